from celery import shared_task

from .selectors import audit_chain_verify


@shared_task
def verify_audit_chain() -> dict:
    """Verify the audit trail; return how many events were checked and the first break."""
    report = audit_chain_verify()
    brk = report.first_break
    return {
        "events_checked": report.events_checked,
        "intact": report.intact,
        "first_break": None if brk is None else {"event_id": brk.event_id, "reason": brk.reason},
    }
