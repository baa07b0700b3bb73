import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent, chain_hash, chain_key, event_content
from audit.selectors import audit_chain_verify
from audit.services import record_event
from tests.audit.tampering import append_unkeyed, forge

pytestmark = pytest.mark.django_db

WRONG_KEY = b"not-the-key-of-this-trail-but-just-as-long-0123456789"


def record_three() -> list[AuditEvent]:
    return [record_event(actor=None, action=f"test.keyed{n}", data={"n": n}) for n in range(3)]


class TestRecordEvent:
    def test_hashes_a_new_event_with_an_hmac_under_the_chain_key(self):
        event = record_event(actor=None, action="test.keyed", data={"n": 1})

        content = event_content(actor_id=None, actor_label="system", action="test.keyed",
                                target_type="", target_id="", data={"n": 1},
                                created_at=event.created_at)
        assert event.keyed is True
        assert AuditEvent.objects.get(pk=event.pk).keyed is True
        assert event.hash == chain_hash(prev_hash=event.prev_hash, content=content,
                                        key=chain_key())
        assert event.hash != chain_hash(prev_hash=event.prev_hash, content=content, key=None)

    def test_refuses_to_write_without_a_key(self, settings):
        settings.AUDIT_CHAIN_KEY = ""

        with pytest.raises(ImproperlyConfigured, match="AUDIT_CHAIN_KEY"):
            record_event(actor=None, action="test.no_key")


class TestKeyedChainVerification:
    def test_finds_a_row_rewritten_with_recomputed_unkeyed_hashes(self):
        events = record_three()

        forge(events[1].pk, data={"n": 99}, key=None)

        report = audit_chain_verify()
        assert report.first_break.event_id == events[1].pk
        assert "unkeyed but follows a keyed event" in report.first_break.reason

    def test_finds_the_whole_trail_rewritten_in_the_unkeyed_scheme(self):
        record_three()
        first = AuditEvent.objects.order_by("id").first()

        forge(first.pk, data={"forged": True}, key=None)

        report = audit_chain_verify()
        assert not report.intact
        assert "ends with an unkeyed event" in report.first_break.reason
        with pytest.raises(CommandError, match="ends with an unkeyed event"):
            call_command("verify_audit_chain")

    def test_finds_a_row_rewritten_with_hashes_recomputed_under_a_wrong_key(self):
        events = record_three()

        forge(events[1].pk, data={"n": 99}, key=WRONG_KEY)

        report = audit_chain_verify()
        assert report.first_break.event_id == events[1].pk
        assert "does not match its keyed hash" in report.first_break.reason

    def test_finds_every_keyed_event_when_the_key_has_changed(self, settings):
        events = record_three()

        settings.AUDIT_CHAIN_KEY = WRONG_KEY.decode()

        report = audit_chain_verify()
        assert report.first_break.event_id <= events[0].pk
        assert "AUDIT_CHAIN_KEY is not the key it was written with" in report.first_break.reason

    def test_a_forger_holding_the_key_is_caught_by_the_head_noted_before(self):
        events = record_three()
        noted_head = events[-1].hash

        forge(events[1].pk, data={"n": 99}, key=chain_key())

        assert audit_chain_verify().intact
        report = audit_chain_verify(expect_head=noted_head)
        assert not report.intact
        assert report.expected_head.found is False


class TestTrailWrittenBeforeTheChainWasKeyed:
    def test_checks_unkeyed_events_by_their_own_scheme_before_keyed_ones(self):
        old = [append_unkeyed("test.legacy", {"n": n}) for n in range(2)]
        new = record_event(actor=None, action="test.after_keying")

        report = audit_chain_verify()

        assert report.intact
        assert report.unkeyed_events == 2
        assert report.last_hash == new.hash
        assert new.prev_hash == old[-1].hash

    def test_finds_an_altered_unkeyed_event(self):
        old = append_unkeyed("test.legacy", {"n": 1})
        record_event(actor=None, action="test.after_keying")

        forge(old.pk, data={"n": 2}, key=None)

        report = audit_chain_verify()
        assert report.first_break is not None
        assert report.first_break.event_id > old.pk

    def test_finds_an_unkeyed_event_appended_after_a_keyed_one(self):
        record_event(actor=None, action="test.keyed")
        late = append_unkeyed("test.written_by_an_older_copy")

        report = audit_chain_verify()

        assert report.first_break.event_id == late.pk
        assert "unkeyed but follows a keyed event" in report.first_break.reason

    def test_is_sealed_by_the_migration_with_one_keyed_event(self):
        old = [append_unkeyed("test.legacy", {"n": n}) for n in range(3)]
        assert "ends with an unkeyed event" in audit_chain_verify().first_break.reason
        migration = importlib.import_module("audit.migrations.0004_seal_unkeyed_trail")

        migration.seal(apps, type("SchemaEditor", (), {"connection": connection})())

        seal = AuditEvent.objects.order_by("-id").first()
        assert seal.action == "audit.chain_keyed"
        assert seal.keyed is True
        assert seal.prev_hash == old[-1].hash
        assert seal.data == {"scheme": "hmac-sha256", "unkeyed_events": 3,
                             "unkeyed_head": old[-1].hash}
        report = audit_chain_verify()
        assert report.intact
        assert report.unkeyed_events == 3
        assert report.last_hash == seal.hash

    def test_a_keyed_trail_is_not_sealed_again(self):
        last = record_event(actor=None, action="test.keyed")
        migration = importlib.import_module("audit.migrations.0004_seal_unkeyed_trail")

        migration.seal(apps, type("SchemaEditor", (), {"connection": connection})())

        assert AuditEvent.objects.order_by("-id").first() == last


class TestStoredData:
    def test_reads_back_as_hashed(self):
        event = record_event(actor=None, action="test.stored",
                             data={"text": "中文", "ratio": 0.25, "nested": {"b": [1, 2]}})

        stored = AuditEvent.objects.get(pk=event.pk)

        assert json.dumps(stored.data, sort_keys=True) == json.dumps(event.data, sort_keys=True)
        assert stored.compute_hash() == event.hash
