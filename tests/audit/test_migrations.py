"""A trail written before the chain was keyed is brought over as it was: its rows are not
touched (on PostgreSQL the append-only trigger would refuse it), and one keyed event seals it."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import GENESIS_HASH, AuditEvent, chain_hash, event_content
from audit.selectors import audit_chain_verify
from audit.services import record_event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_KEYING = [("audit", "0002_append_only_trigger")]


def migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def insert_as_before(n: int, prev_hash: str) -> str:
    """Insert an event as the application did before the chain was keyed; return its hash."""
    created_at = timezone.now()
    data = {"n": n}
    content = event_content(actor_id=None, actor_label="system", action="test.before_keying",
                            target_type="", target_id="", data=data, created_at=created_at)
    digest = chain_hash(prev_hash=prev_hash, content=content, key=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (actor_id, actor_label, action, target_type, "
            "target_id, data, created_at, prev_hash, hash) "
            "VALUES (NULL, 'system', 'test.before_keying', '', '', %s, %s, %s, %s)",
            [json.dumps(data), created_at, prev_hash, digest])
    return digest


class TestKeyingMigrations:
    def test_keep_the_old_rows_as_they_were_and_seal_them_with_a_keyed_event(self):
        migrate(BEFORE_KEYING)
        head = GENESIS_HASH
        for n in range(3):
            head = insert_as_before(n, head)

        migrate()

        old = list(AuditEvent.objects.filter(action="test.before_keying").order_by("id"))
        assert [event.keyed for event in old] == [False, False, False]
        seal = AuditEvent.objects.order_by("-id").first()
        assert (seal.action, seal.keyed, seal.prev_hash) == ("audit.chain_keyed", True, head)
        new = record_event(actor=None, action="test.after_keying")
        report = audit_chain_verify()
        assert report.intact
        assert report.unkeyed_events == 3
        assert report.last_hash == new.hash

    def test_refuse_to_be_unapplied_once_an_event_is_keyed(self):
        record_event(actor=None, action="test.keyed")

        with pytest.raises(RuntimeError, match="holds keyed events"):
            migrate(BEFORE_KEYING)
        # The seal's migration, unapplied before the refusal, is applied again.
        migrate()

        assert AuditEvent.objects.filter(action="test.keyed").exists()
        assert audit_chain_verify().intact
