"""Reading the audit trail."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_break: ChainBreak | None
    last_hash: str = GENESIS_HASH

    @property
    def intact(self) -> bool:
        return self.first_break is None


def audit_chain_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the trail in order and report the first event whose link or content is wrong."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        checked += 1
        if event.prev_hash != expected_prev:
            return ChainReport(checked, ChainBreak(
                event.pk, "its previous-event hash does not match the event before it "
                          "(an event was removed, inserted or reordered)"))
        if event.compute_hash() != event.hash:
            return ChainReport(checked, ChainBreak(
                event.pk, "its content does not match its hash (the row was altered)"))
        expected_prev = event.hash
    return ChainReport(checked, None, expected_prev)


def audit_event_list_for_target(*, target_type: str,
                                target_id: str | int) -> QuerySet[AuditEvent]:
    return (AuditEvent.objects.filter(target_type=target_type, target_id=str(target_id))
            .order_by("id"))
