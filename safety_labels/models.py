"""The segregated store: safety labels and their approvals, in the ``safety`` database.

Rows here refer to tasks, items, rule versions and people by id only: no foreign key leaves
this database (see config/db_router.py and the check in safety_labels/checks.py).
"""

from django.db import models


class SafetyLabel(models.Model):
    """An annotator's judgement of which risk categories an item presents."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        ESCALATED = "escalated", "Escalated to a manager"
        SUPERSEDED = "superseded", "Withdrawn for re-annotation"

    task_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    # The lease in the main database that this label closes; one label per lease.
    lease_id = models.BigIntegerField(unique=True)
    annotator_id = models.BigIntegerField()
    rule_version_id = models.BigIntegerField()
    # Made by the client, so that a retried submission returns this label again.
    client_id = models.UUIDField()
    # Codes of Appendix A ("A.1.a" …); empty together with no_risk=True means "no risk".
    risk_codes = models.JSONField(default=list, blank=True)
    no_risk = models.BooleanField(default=False)
    spans = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    too_fast = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotator_id", "client_id"],
                                    name="safety_label_client_id_once"),
            models.CheckConstraint(
                condition=models.Q(no_risk=True, risk_codes=[])
                | models.Q(no_risk=False) & ~models.Q(risk_codes=[]),
                name="safety_label_codes_or_no_risk"),
        ]
        indexes = [
            models.Index(fields=["task_id", "status"], name="safety_label_task_status_idx"),
            models.Index(fields=["item_id"], name="safety_label_item_idx"),
            models.Index(fields=["annotator_id"], name="safety_label_annotator_idx"),
        ]

    def __str__(self) -> str:
        return f"Safety label {self.pk} on item {self.item_id}"


class SafetyApproval(models.Model):
    """One reviewer's decision on one safety label."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        ESCALATE = "escalate", "Escalate to a manager"

    label = models.ForeignKey(SafetyLabel, on_delete=models.PROTECT, related_name="approvals")
    reviewer_id = models.BigIntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    # A manager's ruling on an escalated label; it never counts as a reviewer's approval.
    adjudication = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One vote per reviewer; requests for a ruling and the rulings may repeat.
            models.UniqueConstraint(fields=["label", "reviewer_id"],
                                    condition=models.Q(adjudication=False)
                                    & ~models.Q(decision="escalate"),
                                    name="safety_approval_one_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} of label {self.label_id} by reviewer {self.reviewer_id}"
