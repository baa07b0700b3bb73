import pytest
from django.db import transaction

from annotation.models import Batch, FunctionalLabel, Item
from annotation.services import lease_next
from audit.models import AuditEvent
from config.transactions import TransactionRequired
from review.models import BatchDecision
from review.services import export_rows
from review.services.decisions import batch_decide
from tests.review_setup import (
    batch_states,
    check_all,
    label_everything,
    review_task,
    sample_due_batches,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestBatchDecide:
    def test_one_illegal_verdict_invalidates_the_batch_for_good(self, manager):
        task, people, reviewer = review_task(manager, name="Illegal", items=30, batch_size=30)
        sample = samples_of(task).get()
        bad = sample.item_ids[0]
        Item.objects.filter(pk=bad).update(source="vendor-7.jsonl")

        check_all(reviewer, task, {bad: ("illegal", "", ["A.1.a"])})

        decision = BatchDecision.objects.get(sample=sample)
        assert decision.outcome == "invalidated"
        assert decision.evidence["illegal"][0]["source"] == "vendor-7.jsonl"
        assert batch_states(task) == ["invalidated"]
        assert list(export_rows(task)) == []
        # Nothing of it is handed out again, and no later step can revive it.
        assert lease_next(user=people[0], task_id=task.pk) is None
        assert not Batch.TRANSITIONS[Batch.State.INVALIDATED]
        assert AuditEvent.objects.filter(action="batch.invalidated").exists()

    def test_too_many_inaccurate_items_send_the_batch_back_for_a_new_round(self, manager):
        task, _, reviewer = review_task(manager, name="Rework", items=50, batch_size=50)
        sample = samples_of(task).get()
        wrong = sample.item_ids[: sample.accept + 1]

        check_all(reviewer, task, {item: ("inaccurate", "Wrong ranking", []) for item in wrong})

        assert BatchDecision.objects.get(sample=sample).outcome == "rework"
        batch = Batch.objects.get(task=task)
        assert (batch.state, batch.round) == ("annotating", 2)
        assert not FunctionalLabel.objects.filter(task=task, superseded_at=None).exists()
        assert list(export_rows(task)) == []

    def test_the_new_round_is_sampled_again_and_accepted(self, manager):
        task, people, reviewer = review_task(manager, name="Round two", items=50,
                                             batch_size=50)
        check_all(reviewer, task, {samples_of(task).get().item_ids[0]:
                                   ("inaccurate", "Wrong ranking", [])})
        label_everything(task, people)
        sample_due_batches()
        second = samples_of(task).get(round=2)

        check_all(reviewer, task)

        assert BatchDecision.objects.get(sample=second).outcome == "accepted"
        assert len(list(export_rows(task))) == 50

    def test_the_decision_keeps_the_numbers_it_was_taken_on(self, manager):
        # A lot of 200 at level II, AQL 1.0: n=50, Ac=1, Re=2 (ISO 2859-1, table 2-A).
        task, _, reviewer = review_task(manager, name="Numbers", items=200, batch_size=200)
        sample = samples_of(task).get()
        illegal, inaccurate = sample.item_ids[3], sample.item_ids[7]

        check_all(reviewer, task, {illegal: ("illegal", "", ["A.1.a"]),
                                   inaccurate: ("inaccurate", "Wrong order", [])})

        decision = BatchDecision.objects.get(sample=sample)
        assert (decision.outcome, decision.items_checked, decision.labels_checked,
                decision.items_inaccurate, decision.items_illegal, decision.accept,
                decision.reject) == ("invalidated", 50, 50, 1, 1, 1, 2)
        assert decision.accuracy == pytest.approx(0.96)
        assert [row["item"] for row in decision.evidence["illegal"]] == [illegal]
        assert decision.evidence["inaccurate"] == [{
            "item": inaccurate, "source": Item.objects.get(pk=inaccurate).source,
            "external_id": Item.objects.get(pk=inaccurate).external_id,
            "notes": ["Wrong order"]}]
        event = AuditEvent.objects.get(action="batch.invalidated",
                                       target_id=str(decision.batch_id))
        assert (event.data["items_checked"], event.data["inaccurate"], event.data["illegal"]) \
            == (50, 1, 1)

    def test_an_inaccurate_item_within_the_acceptance_number_sends_the_batch_to_be_corrected(
            self, manager):
        task, _, reviewer = review_task(manager, name="Within", items=200, batch_size=200)
        sample = samples_of(task).get()

        check_all(reviewer, task, {sample.item_ids[0]: ("inaccurate", "Wrong order", [])})

        decision = BatchDecision.objects.get(sample=sample)
        assert (decision.outcome, decision.items_inaccurate, decision.items_illegal) == \
            ("accepted", 1, 0)
        assert batch_states(task) == ["correcting"]

    def test_deciding_again_returns_the_decision_taken(self, manager):
        task, _, reviewer = review_task(manager, name="Again", items=5, batch_size=5)
        sample = samples_of(task).get()
        check_all(reviewer, task)

        with transaction.atomic():
            decided = batch_decide(sample_id=sample.pk)

        assert decided == BatchDecision.objects.get(sample=sample)
        assert BatchDecision.objects.filter(batch=sample.batch).count() == 1


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestBatchDecideOutsideATransaction:
    def test_is_refused(self, manager):
        task, _, _ = review_task(manager, name="No step", items=3, batch_size=3)
        sample = samples_of(task).get()

        with pytest.raises(TransactionRequired):
            batch_decide(sample_id=sample.pk)

        assert not BatchDecision.objects.filter(sample=sample).exists()
