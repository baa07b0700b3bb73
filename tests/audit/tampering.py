"""Tampering with the audit trail as someone with write access to the database would: raw SQL
with the append-only trigger switched off, hashes recomputed by the forger's means."""

import json

from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, chain_hash, event_content


def sql(statement: str, params: list) -> None:
    """Run ``statement`` with the append-only trigger off (as the superuser ``root`` may)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while the test's deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def forge(from_id: int, *, data: dict, key: bytes | None) -> None:
    """Give event ``from_id`` new ``data`` and recompute its hash and those of every event
    after it, chained, with ``key`` (None: the unkeyed scheme anyone can compute)."""
    events = list(AuditEvent.objects.filter(id__gte=from_id).order_by("id"))
    prev_hash = events[0].prev_hash
    for n, event in enumerate(events):
        content_data = data if n == 0 else event.data
        content = event_content(actor_id=event.actor_id, actor_label=event.actor_label,
                                action=event.action, target_type=event.target_type,
                                target_id=event.target_id, data=content_data,
                                created_at=event.created_at)
        new_hash = chain_hash(prev_hash=prev_hash, content=content, key=key)
        sql("UPDATE audit_auditevent SET data = %s, prev_hash = %s, hash = %s, keyed = %s "
            "WHERE id = %s", [json.dumps(content_data), prev_hash, new_hash, key is not None,
                              event.pk])
        prev_hash = new_hash


def append_unkeyed(action: str, data: dict | None = None) -> AuditEvent:
    """Append an event in the unkeyed scheme, as the application did before the chain was
    keyed (or as an older copy of it still running would)."""
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(actor=None, actor_label="system", action=action, target_type="",
                       target_id="", data=data or {}, created_at=timezone.now(),
                       prev_hash=prev or "0" * 64, keyed=False)
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event
