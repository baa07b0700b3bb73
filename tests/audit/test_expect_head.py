import pytest
from django.core.management import CommandError, call_command

from audit.models import GENESIS_HASH, AuditEvent
from audit.selectors import AuditHeadMalformed, audit_chain_verify
from audit.services import record_event
from audit.tasks import verify_audit_chain
from tests.audit.tampering import sql

pytestmark = pytest.mark.django_db


def record_three() -> list[AuditEvent]:
    return [record_event(actor=None, action=f"test.head{n}", data={"n": n}) for n in range(3)]


class TestAuditChainVerifyWithAnExpectedHead:
    def test_accepts_the_last_event_as_the_head(self):
        events = record_three()

        report = audit_chain_verify(expect_head=events[-1].hash)

        assert report.intact
        assert report.expected_head.found
        assert report.expected_head.event_id == events[-1].pk
        assert report.expected_head.events_since == 0

    def test_counts_the_events_appended_since_the_head(self):
        events = record_three()

        report = audit_chain_verify(expect_head=events[0].hash.upper())

        assert report.intact
        assert report.expected_head.event_id == events[0].pk
        assert report.expected_head.events_since == 2
        assert report.last_hash == events[-1].hash

    def test_finds_a_trail_truncated_after_the_head_was_noted(self):
        events = record_three()
        noted_head = events[-1].hash

        sql("DELETE FROM audit_auditevent WHERE id >= %s", [events[1].pk])

        assert audit_chain_verify().intact, "the links that remain still hold"
        report = audit_chain_verify(expect_head=noted_head)
        assert not report.intact
        assert report.expected_head.found is False
        assert report.first_break.event_id is None
        assert "truncated or rewritten" in report.first_break.reason
        assert report.last_hash == events[0].hash

    def test_takes_the_genesis_hash_as_an_empty_trail_noted(self):
        record_three()

        report = audit_chain_verify(expect_head=GENESIS_HASH)

        assert report.intact
        assert report.expected_head.events_since == AuditEvent.objects.count()

    def test_refuses_a_head_that_is_not_a_hash(self):
        with pytest.raises(AuditHeadMalformed, match="64 hexadecimal"):
            audit_chain_verify(expect_head="abc123")


class TestVerifyAuditChainCommand:
    def test_reports_the_events_since_the_expected_head(self, capsys):
        events = record_three()

        call_command("verify_audit_chain", "--expect-head", events[0].hash)

        out = capsys.readouterr().out
        assert "Audit chain intact" in out
        assert f"The expected head {events[0].hash} is event {events[0].pk}; 2 event(s) since." \
            in out

    def test_says_so_when_the_expected_head_is_the_last_event(self, capsys):
        events = record_three()

        call_command("verify_audit_chain", expect_head=events[-1].hash)

        assert f"The expected head {events[-1].hash} is the last event." in \
            capsys.readouterr().out

    def test_fails_on_a_truncated_trail(self):
        events = record_three()
        sql("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])

        call_command("verify_audit_chain")
        with pytest.raises(CommandError, match="truncated or rewritten") as failure:
            call_command("verify_audit_chain", "--expect-head", events[-1].hash)

        assert "broken at the head" in str(failure.value)
        assert f"last hash {events[1].hash}" in str(failure.value)

    def test_fails_with_a_clear_message_on_a_malformed_head(self):
        with pytest.raises(CommandError, match="--expect-head: 'not-a-hash' is not a head"):
            call_command("verify_audit_chain", "--expect-head", "not-a-hash")


class TestVerifyAuditChainTask:
    def test_returns_the_head_and_what_it_found_of_the_expected_one(self):
        events = record_three()

        result = verify_audit_chain(expect_head=events[1].hash)

        assert result["intact"] is True
        assert result["last_hash"] == events[-1].hash
        assert result["expected_head"] == {"hash": events[1].hash, "found": True,
                                           "event_id": events[1].pk, "events_since": 1}
