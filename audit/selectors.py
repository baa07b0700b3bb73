"""Reading the audit trail: verifying its chain, listing its events."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from config.errors import ApplicationError

from .models import GENESIS_HASH, AuditEvent, chain_hash, chain_key, event_content

HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# The columns a hash covers, and those that link and name the scheme.
_CHAIN_COLUMNS = ("id", "actor_id", "actor_label", "action", "target_type", "target_id", "data",
                  "created_at", "prev_hash", "hash", "keyed")


class AuditHeadMalformed(ApplicationError):
    code = "audit_head_malformed"
    http_status = 400


@dataclass(frozen=True)
class ChainBreak:
    """Where the trail fails verification; ``event_id`` None when no one event is at fault
    (the expected head is missing)."""

    event_id: int | None
    reason: str


@dataclass(frozen=True)
class ExpectedHead:
    """What the walk found of a head hash noted earlier: the event carrying it and how many
    events were appended since."""

    hash: str
    found: bool
    event_id: int | None = None
    events_since: int = 0


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_break: ChainBreak | None
    last_hash: str = GENESIS_HASH
    unkeyed_events: int = 0
    expected_head: ExpectedHead | None = None

    @property
    def intact(self) -> bool:
        """True when every link and hash holds and, if a head was expected, it is there."""
        return self.first_break is None


def audit_head_parse(value: str) -> str:
    """Return a head hash as the trail stores it (lower-case hex).

    :raises AuditHeadMalformed: if ``value`` is not 64 hexadecimal characters.
    """
    head = value.strip().lower()
    if not HASH_PATTERN.match(head):
        raise AuditHeadMalformed(
            f"{value.strip()[:80]!r} is not a head hash; give the 64 hexadecimal characters "
            "printed as the audit chain's head (by verify_audit_chain or the compliance "
            "report).")
    return head


def audit_chain_verify(*, expect_head: str | None = None,
                       chunk_size: int = 2000) -> ChainReport:
    """Walk the trail in order and report the first event whose link, content or scheme is
    wrong, and the hash of the last event.

    Unkeyed events (written before the chain was keyed) are accepted only before the first
    keyed one, and the trail must end with a keyed event, so that neither rewriting the tail
    in the unkeyed scheme nor appending unkeyed events goes unnoticed.

    With ``expect_head`` (a head noted earlier), also report a break when no event carries
    that hash: the trail was truncated or rewritten since it was noted. Events appended after
    it are fine and counted in ``expected_head.events_since``.

    :raises AuditHeadMalformed: if ``expect_head`` is not a hash.
    """
    if expect_head is not None:
        expect_head = audit_head_parse(expect_head)
    key: bytes | None = None
    expected_prev = GENESIS_HASH
    checked = unkeyed = 0
    seen_keyed = False
    last_id: int | None = None
    first_break: ChainBreak | None = None
    rows = AuditEvent.objects.order_by("id").values_list(*_CHAIN_COLUMNS)
    for (event_id, actor_id, actor_label, action, target_type, target_id, data, created_at,
         prev_hash, event_hash, keyed) in rows.iterator(chunk_size=chunk_size):
        checked += 1
        if prev_hash != expected_prev:
            first_break = ChainBreak(
                event_id, "its previous-event hash does not match the event before it "
                          "(an event was removed, inserted or reordered)")
            break
        if keyed:
            seen_keyed = True
            key = key or chain_key()
        elif seen_keyed:
            first_break = ChainBreak(
                event_id, "it is unkeyed but follows a keyed event (it was rewritten or "
                          "added without the key, or by an application older than the keyed "
                          "chain)")
            break
        else:
            unkeyed += 1
        content = event_content(actor_id=actor_id, actor_label=actor_label, action=action,
                                target_type=target_type, target_id=target_id, data=data,
                                created_at=created_at)
        if chain_hash(prev_hash=prev_hash, content=content,
                      key=key if keyed else None) != event_hash:
            first_break = ChainBreak(event_id, (
                "its content does not match its keyed hash (the row was altered, or "
                "AUDIT_CHAIN_KEY is not the key it was written with)") if keyed else
                "its content does not match its hash (the row was altered)")
            break
        expected_prev = event_hash
        last_id = event_id
    if first_break is None and checked and not seen_keyed:
        first_break = ChainBreak(last_id, (
            "the trail ends with an unkeyed event, but every trail written since the chain "
            "was keyed ends with a keyed one (its keyed events were rewritten in the unkeyed "
            "scheme)"))
    head = None if expect_head is None else _expected_head(expect_head)
    if first_break is None and head is not None and not head.found:
        first_break = ChainBreak(None, (
            f"no event has the expected head hash {expect_head}: the trail was truncated or "
            "rewritten after that head was noted"))
    return ChainReport(checked, first_break, expected_prev, unkeyed, head)


def _expected_head(head: str) -> ExpectedHead:
    if head == GENESIS_HASH:
        return ExpectedHead(head, True, None, AuditEvent.objects.count())
    event_id = AuditEvent.objects.filter(hash=head).values_list("id", flat=True).first()
    if event_id is None:
        return ExpectedHead(head, False)
    return ExpectedHead(head, True, event_id, AuditEvent.objects.filter(id__gt=event_id).count())


def audit_event_list_for_target(*, target_type: str,
                                target_id: str | int) -> QuerySet[AuditEvent]:
    return (AuditEvent.objects.filter(target_type=target_type, target_id=str(target_id))
            .order_by("id"))


def audit_event_list(*, actor: str = "", action: str = "", target_type: str = "",
                     target_id: str = "", date_from: date | None = None,
                     date_to: date | None = None) -> QuerySet[AuditEvent]:
    """Return the events matching every filter given, newest first.

    ``actor`` is a username as recorded (or ``system``, ``anonymous``); ``action`` matches
    exactly, or as a prefix when it ends with ``.`` or ``*`` (``credential.``); the dates are
    days in the site's time zone, both included.
    """
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_label=actor)
    if action:
        if action.endswith(("*", ".")):
            events = events.filter(action__startswith=action.rstrip("*"))
        else:
            events = events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    # The first and last days a calendar holds bound nothing, and would overflow in time zones.
    if date_from is not None and date_from > date.min + timedelta(days=1):
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to is not None and date_to < date.max - timedelta(days=1):
        events = events.filter(created_at__lt=_start_of(date_to + timedelta(days=1)))
    return events.order_by("-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_targets_recorded(*, target_type: str, target_ids: list[str | int]) -> set[str]:
    """Which of these targets the trail has an event about, as the trail writes their ids
    (text): for sweeps that repair what a crash left unaudited."""
    return set(AuditEvent.objects.filter(
        target_type=target_type, target_id__in=[str(target_id) for target_id in target_ids])
        .values_list("target_id", flat=True))


def audit_event_data_since(*, actions: list[str], since: datetime) -> list[dict]:
    """The data of the events of these actions recorded since ``since``."""
    return list(AuditEvent.objects.filter(action__in=actions, created_at__gte=since)
                .values_list("data", flat=True))
