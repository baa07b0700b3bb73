"""Safety labels in the segregated store, made through its own services. The store knows the
main database's rows by id only, so plain numbers stand for the task, the item, the lease and
the people."""

import itertools
import uuid
from datetime import UTC, datetime

from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import safety_label_decide, safety_label_submit

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
TASK, ANNOTATOR, FIRST, SECOND, THIRD, MANAGER = 70, 1, 11, 12, 13, 90
_leases = itertools.count(1000)


def submitted_label(*, annotator_id: int = ANNOTATOR, task_id: int = TASK) -> SafetyLabel:
    """A label awaiting approval, judging its item free of risk."""
    lease_id = next(_leases)
    label, _ = safety_label_submit(
        lease_id=lease_id, task_id=task_id, item_id=lease_id, annotator_id=annotator_id,
        rule_version_id=3, client_id=uuid.uuid4(), risk_codes=[], no_risk=True, spans=[],
        note="", text_length=20, started_at=NOW, submitted_at=NOW, too_fast=False)
    return label


def decide(label: SafetyLabel, reviewer_id: int, decision: str = "approve", *,
           required: int = 1) -> tuple[SafetyLabel, SafetyApproval]:
    """``reviewer_id`` decides on the label under credential ``100 + reviewer_id``."""
    return safety_label_decide(label_id=label.pk, reviewer_id=reviewer_id, decision=decision,
                               comment="", required_approvals=required, now=NOW,
                               credential_id=100 + reviewer_id, credential_status="active")
