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
    # When an export first carried the label out of the system; approvals of an exported
    # label are never withdrawn (the label has left).
    first_exported_at = models.DateTimeField(null=True, blank=True)

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
    # The reviewer's safety-review credential when they decided, and its state then
    # (invariant 5): a later expiry or temporary suspension leaves the approval counting.
    credential_id = models.BigIntegerField(null=True, blank=True)
    credential_status = models.CharField(max_length=16, blank=True)
    # A revocation, or a suspension by a quality signal, withdraws the reviewer's approvals
    # of labels not yet exported; a withdrawn approval no longer counts.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # One standing vote per reviewer; requests for a ruling and the rulings may
            # repeat, and a vote withdrawn with its credential may be given again under a new
            # one.
            models.UniqueConstraint(fields=["label", "reviewer_id"],
                                    condition=models.Q(adjudication=False, withdrawn_at=None)
                                    & ~models.Q(decision="escalate"),
                                    name="safety_approval_one_per_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} of label {self.label_id} by reviewer {self.reviewer_id}"

    def counts_for(self, label: SafetyLabel) -> bool:
        """Whether this is an approval that counts towards ``label``'s (invariant 5): a
        reviewer's approval, not the annotator's own, given under a recorded credential and
        not withdrawn since. A manager's ruling never counts. For approvals already read;
        queries count through ``safety_labels.selectors.counted_approvals``."""
        return (not self.adjudication and self.decision == self.Decision.APPROVE
                and self.withdrawn_at is None and self.credential_id is not None
                and self.reviewer_id != label.annotator_id)


# The columns that make an approval count, as a filter on approvals; the rule in full adds
# "not by the label's annotator" (``safety_labels.selectors.counted_approvals``).
COUNTED_APPROVAL = models.Q(adjudication=False, decision=SafetyApproval.Decision.APPROVE,
                            withdrawn_at=None, credential_id__isnull=False)


class VerdictRisk(models.Model):
    """The risk categories a reviewer named in a verdict on a sampled functional label:
    safety information, so kept here, apart from the verdict in the main database. Rows are
    only ever added; the verdict committed in the main database names the row it was given
    with (``SampleCheck.risks_id``), so that a refused attempt changes nothing."""

    check_id = models.BigIntegerField()
    task_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    risk_codes = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(risk_codes=[]),
                                              name="verdict_risk_names_risks")]
        indexes = [models.Index(fields=["task_id"], name="verdict_risk_task_idx"),
                   models.Index(fields=["check_id"], name="verdict_risk_check_idx")]

    def __str__(self) -> str:
        return f"Risks named in check {self.check_id}"
