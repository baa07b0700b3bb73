"""Frozen compliance reports: the figures and evidence of a period, kept as they were."""

from django.conf import settings
from django.db import models


class SnapshotIsFrozen(Exception):
    """Raised on any attempt to change or remove a frozen report."""


class SnapshotQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise SnapshotIsFrozen("A frozen compliance report never changes.")

    def delete(self):
        raise SnapshotIsFrozen("A frozen compliance report is never removed.")


class ComplianceSnapshot(models.Model):
    """The compliance report of a period and scope as it stood when a manager froze it: its
    content, the hash of that content (also written to the audit trail) and the audit chain's
    head at that moment."""

    period_from = models.DateField()
    period_to = models.DateField()
    # None: every task.
    task = models.ForeignKey("annotation.Task", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    report = models.JSONField()
    report_hash = models.CharField(max_length=64)
    audit_head = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        permissions = [
            ("view_compliance_report", "Can read the compliance report and its snapshots"),
            ("freeze_compliance_report", "Can freeze the compliance report"),
            ("view_audit_trail", "Can read the audit trail"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(period_from__lte=models.F(
            "period_to")), name="snapshot_period_in_order")]

    def __str__(self) -> str:
        return f"Compliance report {self.period_from}–{self.period_to} ({self.report_hash[:12]})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise SnapshotIsFrozen(f"Snapshot {self.pk} is frozen.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotIsFrozen(f"Snapshot {self.pk} is frozen.")
