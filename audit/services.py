"""Writing to the audit trail."""

import json
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEvent, canonical_json

AUDIT_DB = "default"
# Any constant will do: it names the one advisory lock that orders appends on PostgreSQL.
_CHAIN_LOCK_KEY = 7_310_001


def _lock_chain_head() -> None:
    connection = connections[AUDIT_DB]
    if connection.vendor == "postgresql":
        # Held until the caller's transaction ends, so appends are chained in commit order.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite runs every transaction as BEGIN IMMEDIATE (see settings): writers are serialised.


def record_event(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit trail, in the caller's transaction.

    ``target`` names the changed object; ``target_type``/``target_id`` name one that lives
    elsewhere (for example a row of the safety database). ``actor`` None means the system.
    """
    if target is not None:
        target_type = target._meta.label_lower
        target_id = target.pk
    # Stored exactly as hashed, so that reading it back gives the same hash.
    data = json.loads(canonical_json(data or {}))
    with transaction.atomic(using=AUDIT_DB):
        _lock_chain_head()
        prev_hash = (AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
                     or GENESIS_HASH)
        event = AuditEvent(
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=actor.get_username() if actor is not None and actor.is_authenticated
            else "system",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            data=data,
            created_at=timezone.now(),
            prev_hash=prev_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event
