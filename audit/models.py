"""The append-only, hash-chained audit trail.

Each event's hash covers its content and the hash of the event before it. Events are hashed
with HMAC-SHA256 under ``settings.AUDIT_CHAIN_KEY``, a key kept outside the database, so that
whoever can write to the database still cannot rewrite an event and recompute the hashes
after it. Events written before the chain was keyed (``keyed`` false) keep their plain
SHA-256 hashes: the trail is append-only, so they are verified as they were written.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS_HASH = "0" * 64


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


def canonical_json(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def chain_key() -> bytes:
    """Return the key that new events are hashed with.

    :raises ImproperlyConfigured: if ``AUDIT_CHAIN_KEY`` is empty.
    """
    key = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if not key:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY is empty; the audit trail cannot be written or verified. Set it "
            "to the key the trail was written with (see .env.example).")
    return key.encode()


def event_content(*, actor_id: int | None, actor_label: str, action: str, target_type: str,
                  target_id: str, data: object, created_at) -> str:
    """Return the canonical text of an event's content, as its hash covers it."""
    return canonical_json({
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "data": data,
        "created_at": created_at.isoformat(),
    })


def chain_hash(*, prev_hash: str, content: str, key: bytes | None) -> str:
    """Return the hash chaining ``content`` to ``prev_hash``: HMAC-SHA256 under ``key``, or
    plain SHA-256 (the scheme of events written before the chain was keyed) when it is None."""
    message = f"{prev_hash}\n{content}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events cannot be updated.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditTrailIsAppendOnly("Audit events cannot be updated.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events are appended one by one with record_event.")


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, chained to the event before it."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    # The actor's username when the event happened, or "system" for scheduled work.
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # False on the events written before the chain was keyed (the column was added with this
    # default, so they were never updated); every event written since is keyed.
    keyed = models.BooleanField(default=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["created_at"], name="audit_created_at_idx"),
            models.Index(fields=["actor_label"], name="audit_actor_label_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id} by {self.actor_label}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly(f"Audit event {self.pk} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly(f"Audit event {self.pk} cannot be deleted.")

    def compute_hash(self, *, key: bytes | None = None) -> str:
        """Return the hash of this event's content chained to ``prev_hash``, by the event's
        scheme: keyed with ``key`` (by default ``AUDIT_CHAIN_KEY``), or unkeyed."""
        content = event_content(
            actor_id=self.actor_id, actor_label=self.actor_label, action=self.action,
            target_type=self.target_type, target_id=self.target_id, data=self.data,
            created_at=self.created_at)
        if not self.keyed:
            return chain_hash(prev_hash=self.prev_hash, content=content, key=None)
        return chain_hash(prev_hash=self.prev_hash, content=content, key=key or chain_key())
