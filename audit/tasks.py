from celery import shared_task

from .selectors import audit_chain_verify


@shared_task
def verify_audit_chain(expect_head: str | None = None) -> dict:
    """Verify the audit trail; return how many events were checked, the head hash and the
    first break (a missing ``expect_head`` included)."""
    report = audit_chain_verify(expect_head=expect_head)
    brk = report.first_break
    head = report.expected_head
    return {
        "events_checked": report.events_checked,
        "intact": report.intact,
        "last_hash": report.last_hash,
        "first_break": None if brk is None else {"event_id": brk.event_id, "reason": brk.reason},
        "expected_head": None if head is None else {
            "hash": head.hash, "found": head.found, "event_id": head.event_id,
            "events_since": head.events_since},
    }
