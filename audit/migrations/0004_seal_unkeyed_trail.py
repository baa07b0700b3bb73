"""Seal a trail written before the chain was keyed with one keyed event.

Unkeyed events can be recomputed by anyone, so verification accepts them only as a prefix
followed by keyed events, and requires the trail to end with a keyed event. This event, keyed
and chained to the last unkeyed one, ends such a trail at once; a forger who rewrote the
unkeyed events would have to recompute it, which needs the key. An empty trail needs no seal.

The hashing is written out here, as it was when this migration was made, so that later changes
to the application's code do not change what this migration does.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations
from django.utils import timezone

ACTION = "audit.chain_keyed"
_CHAIN_LOCK_KEY = 7_310_001


def _canonical_json(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def seal(apps, schema_editor):
    connection = schema_editor.connection
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.using(connection.alias)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = events.order_by("-id").first()
    if last is None or last.keyed:
        return
    key = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if not key:
        raise ImproperlyConfigured("Set AUDIT_CHAIN_KEY before migrating: the audit trail is "
                                   "sealed with it (see .env.example).")
    data = {"scheme": "hmac-sha256", "unkeyed_events": events.filter(keyed=False).count(),
            "unkeyed_head": last.hash}
    created_at = timezone.now()
    content = _canonical_json({
        "actor_id": None, "actor_label": "system", "action": ACTION, "target_type": "",
        "target_id": "", "data": data, "created_at": created_at.isoformat()})
    digest = hmac.new(key.encode(), f"{last.hash}\n{content}".encode(),
                      hashlib.sha256).hexdigest()
    events.create(actor=None, actor_label="system", action=ACTION, target_type="", target_id="",
                  data=data, created_at=created_at, prev_hash=last.hash, hash=digest, keyed=True)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]

    # Reversing leaves the seal in place: audit events are never removed.
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
