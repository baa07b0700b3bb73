"""Writing to the audit trail."""

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, models, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditEvent, canonical_json

AUDIT_DB = "default"
# Any constant will do: it names the one advisory lock that orders appends on PostgreSQL.
_CHAIN_LOCK_KEY = 7_310_001
SYSTEM_LABEL = "system"
ANONYMOUS_LABEL = "anonymous"


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
    authenticated = actor is not None and actor.is_authenticated
    return append_event(actor=actor if authenticated else None,
                        actor_label=actor.get_username() if authenticated else SYSTEM_LABEL,
                        action=action, target=target, target_type=target_type,
                        target_id=target_id, data=data)


def append_event(
    *,
    actor: AbstractBaseUser | None,
    actor_label: str,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one keyed event naming its actor as ``actor_label``, in the caller's
    transaction. ``record_event`` is the entry for changes; this one also serves events whose
    actor is no user (an anonymous login attempt)."""
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
            actor=actor,
            actor_label=actor_label[:150],
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            data=data,
            created_at=timezone.now(),
            prev_hash=prev_hash,
            keyed=True,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


# Security events: who got in, who was refused, and the lockouts in between. They are written
# from signal receivers and a middleware (see receivers.py, middleware.py), outside any
# transaction of the request's own, so a refusal is kept whatever becomes of the request.
LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"
UNLOCKED = "auth.unlocked"
REQUEST_REFUSED = "request.refused"
# Longer values are cut: a username or a path is chosen by whoever sends the request.
_MAX_TEXT = 300


def _user_named(username: str) -> AbstractBaseUser | None:
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def _actor_and_label(actor: AbstractBaseUser | None) -> tuple[AbstractBaseUser | None, str]:
    if actor is not None and actor.is_authenticated:
        return actor, actor.get_username()
    return None, ANONYMOUS_LABEL


def login_success_record(*, user: AbstractBaseUser, ip_address: str | None) -> AuditEvent:
    """Record that ``user`` logged in from ``ip_address``."""
    return append_event(actor=user, actor_label=user.get_username(), action=LOGIN, target=user,
                        data={"ip_address": ip_address})


def login_failure_record(*, actor: AbstractBaseUser | None, username: str,
                         ip_address: str | None) -> AuditEvent:
    """Record a refused login: the username tried (never the password) and the client's
    address; the event's target is the account of that name, if there is one."""
    username = username[:_MAX_TEXT]
    actor, label = _actor_and_label(actor)
    return append_event(actor=actor, actor_label=label, action=LOGIN_FAILED,
                        target=_user_named(username),
                        data={"username": username, "ip_address": ip_address})


def lockout_record(*, username: str, ip_address: str | None, failures: int,
                   failure_limit: int, cool_off_minutes: int | None) -> AuditEvent:
    """Record that repeated failed logins locked out ``username`` or ``ip_address``."""
    username = username[:_MAX_TEXT]
    return append_event(actor=None, actor_label=ANONYMOUS_LABEL, action=LOCKED_OUT,
                        target=_user_named(username),
                        data={"username": username, "ip_address": ip_address,
                              "failures": failures, "failure_limit": failure_limit,
                              "cool_off_minutes": cool_off_minutes})


def unlock_record(*, username: str, ip_address: str | None, failures: int) -> AuditEvent:
    """Record that a lockout was lifted before its cool-off ended (its failures were reset)."""
    username = (username or "")[:_MAX_TEXT]
    return append_event(actor=None, actor_label=SYSTEM_LABEL, action=UNLOCKED,
                        target=_user_named(username),
                        data={"username": username, "ip_address": ip_address,
                              "failures": failures})


def refused_request_record(*, actor: AbstractBaseUser | None, method: str, path: str,
                           status: int, ip_address: str | None,
                           view_name: str = "") -> AuditEvent:
    """Record a request answered with a refusal: method, path (no query string, no body),
    the user, the status and the view that answered."""
    actor, label = _actor_and_label(actor)
    return append_event(actor=actor, actor_label=label, action=REQUEST_REFUSED,
                        data={"method": method[:16], "path": path[:_MAX_TEXT], "status": status,
                              "ip_address": ip_address, "view": view_name})
