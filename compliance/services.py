"""The only writes of the compliance app: freezing a report as a snapshot."""

import json
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import canonical_json
from audit.services import record_event
from config.errors import Invalid, NotAllowed

from .models import ComplianceSnapshot
from .permissions import FREEZE_REPORT
from .report import compliance_report
from .selectors import report_hash, scope_task

LONGEST_PERIOD_DAYS = 3660


class ComplianceRefused(NotAllowed):
    code = "compliance_refused"


class PeriodInvalid(Invalid):
    code = "period_invalid"


def check_period(period_from: date, period_to: date) -> None:
    """:raises PeriodInvalid: for a period that ends before it starts, lies in the future,
    or is longer than ten years."""
    if period_from > period_to:
        raise PeriodInvalid("The period ends before it starts; swap the dates.",
                            detail={"to": ["On or after the start."]})
    if period_from > timezone.localdate():
        raise PeriodInvalid("The period starts in the future; nothing happened there yet.",
                            detail={"from": ["Today or earlier."]})
    if (period_to - period_from).days > LONGEST_PERIOD_DAYS:
        raise PeriodInvalid("A report covers at most ten years; choose a shorter period.",
                            detail={"from": ["Within ten years of the end."]})


@transaction.atomic(durable=True)
def snapshot_freeze(*, actor: AbstractBaseUser, period_from: date, period_to: date,
                    task_id: int | None = None) -> ComplianceSnapshot:
    """Freeze the report of a period and scope as it stands now: its content, the hash of
    that content (written to the audit trail too) and the audit chain's head.

    :raises ComplianceRefused: without the permission to freeze reports.
    :raises PeriodInvalid: for a period that does not make sense.
    :raises ScopeTaskNotFound: for a task that does not exist.
    """
    if not actor.has_perm(FREEZE_REPORT):
        raise ComplianceRefused("Only managers freeze the compliance report.")
    check_period(period_from, period_to)
    task = scope_task(task_id)
    report = compliance_report(period_from=period_from, period_to=period_to, task=task)
    # Stored exactly as hashed, so that reading it back gives the same hash.
    content = json.loads(canonical_json(report.as_dict()))
    snapshot = ComplianceSnapshot.objects.create(
        period_from=period_from, period_to=period_to, task=task, report=content,
        report_hash=report_hash(content), audit_head=report.audit_head, created_by=actor,
        created_at=timezone.now())
    record_event(actor=actor, action="compliance.snapshot_frozen", target=snapshot,
                 data={"from": period_from.isoformat(), "to": period_to.isoformat(),
                       "task": task_id, "status": report.status, "hash": snapshot.report_hash,
                       "audit_head": report.audit_head})
    return snapshot
