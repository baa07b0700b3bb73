import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from audit.models import GENESIS_HASH, AuditEvent, AuditTrailIsAppendOnly
from audit.selectors import audit_chain_verify
from audit.services import record_event
from rules.models import RiskCategory

pytestmark = pytest.mark.django_db


def record_three(actor=None) -> list[AuditEvent]:
    target = RiskCategory.objects.get(code="A.1.a")
    return [record_event(actor=actor, action=f"test.step{n}", target=target, data={"n": n})
            for n in range(3)]


def bypass_triggers(cursor) -> None:
    """Act as a database superuser who switches triggers off, to simulate tampering."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL session_replication_role = replica")


class TestRecordEvent:
    def test_chains_each_event_to_the_one_before(self, manager):
        before = AuditEvent.objects.order_by("-id").first()

        first, second, third = record_three(actor=manager)

        assert first.prev_hash == (before.hash if before else GENESIS_HASH)
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert first.compute_hash() == first.hash

    def test_names_the_actor_and_the_target(self, manager):
        event = record_event(actor=manager, action="test.named",
                             target=RiskCategory.objects.get(code="A.2.e"), data={"why": "x"})

        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.actor == manager
        assert stored.actor_label == manager.username
        assert stored.target_type == "rules.riskcategory"
        assert stored.target_id == str(RiskCategory.objects.get(code="A.2.e").pk)
        assert stored.data == {"why": "x"}

    def test_a_stored_event_still_matches_its_hash(self):
        event = record_event(actor=None, action="test.roundtrip", target_type="safety.label",
                             target_id=17, data={"codes": ["A.1.a"], "ratio": 0.25, "text": "中文"})

        assert AuditEvent.objects.get(pk=event.pk).compute_hash() == event.hash
        assert AuditEvent.objects.get(pk=event.pk).actor_label == "system"

    def test_is_rolled_back_with_the_callers_transaction(self):
        count_before = AuditEvent.objects.count()

        with pytest.raises(RuntimeError), transaction.atomic():
            record_event(actor=None, action="test.rolled_back")
            raise RuntimeError("the change failed")

        assert AuditEvent.objects.count() == count_before
        assert not AuditEvent.objects.filter(action="test.rolled_back").exists()


class TestAuditTrailIsAppendOnly:
    def test_changing_an_event_through_the_orm_is_refused(self):
        event = record_three()[0]
        event.action = "test.rewritten"

        with pytest.raises(AuditTrailIsAppendOnly):
            event.save()
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.bulk_update([event], ["action"])
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.bulk_create([AuditEvent(action="forged", prev_hash=event.hash)])

        assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"

    def test_deleting_an_event_through_the_orm_is_refused(self):
        event = record_three()[0]

        with pytest.raises(AuditTrailIsAppendOnly):
            event.delete()
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).delete()

        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_admin_offers_no_add_change_or_delete(self, admin_client):
        event = record_three()[0]

        assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
        assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
        admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
        assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"

    @pytest.mark.postgres
    def test_raw_sql_update_is_refused_by_the_database(self):
        event = record_three()[0]

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])

        assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"

    @pytest.mark.postgres
    def test_raw_sql_delete_is_refused_by_the_database(self):
        event = record_three()[0]

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

        assert AuditEvent.objects.filter(pk=event.pk).exists()


class TestVerifyAuditChain:
    def test_reports_an_intact_chain_and_its_last_hash(self, capsys):
        last = record_three()[-1]

        call_command("verify_audit_chain")

        assert "Audit chain intact" in capsys.readouterr().out
        assert audit_chain_verify().last_hash == last.hash
        assert audit_chain_verify().intact

    def test_finds_a_tampered_row(self):
        events = record_three()
        with transaction.atomic(), connection.cursor() as cursor:
            bypass_triggers(cursor)
            cursor.execute("UPDATE audit_auditevent SET data = %s WHERE id = %s",
                           ['{"n": 99}', events[1].pk])

        report = audit_chain_verify()

        assert report.first_break.event_id == events[1].pk
        assert "altered" in report.first_break.reason
        with pytest.raises(CommandError, match=f"broken at event {events[1].pk}"):
            call_command("verify_audit_chain")

    def test_finds_a_removed_row(self):
        events = record_three()
        with transaction.atomic(), connection.cursor() as cursor:
            bypass_triggers(cursor)
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

        report = audit_chain_verify()

        assert report.first_break.event_id == events[2].pk
        assert "removed" in report.first_break.reason

    def test_finds_a_row_whose_hash_was_recomputed_after_tampering(self):
        events = record_three()
        forged = AuditEvent.objects.get(pk=events[0].pk)
        forged.data = {"n": 42}
        with transaction.atomic(), connection.cursor() as cursor:
            bypass_triggers(cursor)
            cursor.execute("UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s",
                           ['{"n": 42}', forged.compute_hash(), events[0].pk])

        report = audit_chain_verify()

        assert report.first_break.event_id == events[1].pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestConcurrentWriters:
    def test_keep_the_chain_intact(self):
        writers, per_writer = 6, 15
        barrier = threading.Barrier(writers)
        errors = []

        def write(n: int) -> None:
            try:
                barrier.wait()
                for i in range(per_writer):
                    with transaction.atomic():
                        record_event(actor=None, action="test.concurrent",
                                     data={"writer": n, "i": i})
            except Exception as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert AuditEvent.objects.filter(action="test.concurrent").count() == writers * per_writer
        prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
        assert len(prev_hashes) == len(set(prev_hashes)), "two events share a predecessor"
        assert audit_chain_verify().intact
