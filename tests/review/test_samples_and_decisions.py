import pytest
from django.test import TestCase

from annotation.models import Batch, FunctionalLabel, Item
from annotation.services import lease_next
from annotators.models import Role
from audit.models import AuditEvent
from review import iso2859
from review.models import BatchDecision, Sample, SampleCheck
from review.services import (
    export_rows,
    sample_check_next,
    sample_check_record,
    sample_draw,
    sample_redraw,
)
from review.services.common import NotAReviewer, ReviewConflict, ReviewInvalid, ReviewRefused
from review.services.sampling import draw
from tests.conftest import make_person
from tests.review_setup import (
    batch_states,
    check_all,
    label_everything,
    review_task,
    sample_due_batches,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestDraw:
    LABELS = [{"item_id": n, "annotator_id": 1 + n % 4, "too_fast": n in (7, 300, 801)}
              for n in range(1000)]

    def test_the_same_seed_draws_the_same_items(self):
        first, _ = draw(labels=self.LABELS, size=80, seed=42)
        again, _ = draw(labels=list(reversed(self.LABELS)), size=80, seed=42)
        other, _ = draw(labels=self.LABELS, size=80, seed=43)
        assert first == again
        assert first != other
        assert len(first) == 80

    def test_every_annotator_and_every_too_fast_label_is_drawn(self):
        labels = [*self.LABELS, {"item_id": 5000, "annotator_id": 99, "too_fast": False}]
        for seed in range(20):
            items, strata = draw(labels=labels, size=5, seed=seed)
            assert {7, 300, 801, 5000} <= set(items)
            assert {str(a) for a in (1, 2, 3, 4, 99)} == set(strata["annotators"])
            for annotator, item in strata["annotators"].items():
                assert item in items
                assert any(label["item_id"] == item and label["annotator_id"] == int(annotator)
                           for label in labels)


class TestSampling:
    def test_a_complete_batch_is_sampled_by_its_plan_and_redraws_from_its_seed(self, manager):
        task, people, _ = review_task(manager, name="Plan", items=60, batch_size=60)
        sample = samples_of(task).get()
        plan = iso2859.single_sampling_plan(60, "1.0", "II")
        assert (sample.plan_size, sample.accept, sample.reject, sample.code_letter) == \
            (plan.sample_size, plan.accept, plan.reject, plan.code_letter)
        assert sample.batch.state == Batch.State.IN_REVIEW
        assert len(sample.item_ids) >= min(plan.sample_size, 60)
        assert sample_redraw(sample=sample) == sample.item_ids
        assert set(sample.checks.values_list("annotator_id", flat=True)) == \
            {person.pk for person in people}
        assert AuditEvent.objects.filter(action="sample.drawn", target_id=str(sample.pk)).exists()

    def test_too_fast_labels_are_always_checked(self, manager):
        task, _, _ = review_task(manager, name="Hasty", items=200, batch_size=200,
                                 minimum_seconds_per_item=5, expected_seconds_per_item=60)
        fast = set(FunctionalLabel.objects.filter(task=task, too_fast=True)
                   .values_list("item_id", flat=True))
        assert fast
        assert fast <= set(samples_of(task).get().item_ids)

    def test_drawing_twice_draws_once(self, manager):
        task, _, _ = review_task(manager, name="Twice", items=10, batch_size=10)
        sample = samples_of(task).get()
        assert sample_draw(batch_id=sample.batch_id).pk == sample.pk
        assert Sample.objects.filter(batch=sample.batch).count() == 1
        assert SampleCheck.objects.filter(sample__batch=sample.batch).count() == \
            sample.checks.count()

    def test_an_unfinished_batch_is_not_sampled(self, manager, annotator):
        task, _, _ = review_task(manager, name="Unfinished", items=0, batch_size=10)
        from tests.annotation_setup import add_items
        add_items(manager, task, [f"late {n}" for n in range(3)])
        assert sample_due_batches() == []
        batch = Batch.objects.get(task=task)
        with pytest.raises(ReviewConflict):
            sample_draw(batch_id=batch.pk)


class TestChecks:
    def test_a_reviewer_never_sees_an_item_they_labelled(self, manager):
        task, _people, reviewer = review_task(manager, name="Own", items=20, batch_size=20)
        # The reviewer once annotated an item of this task, then changed function.
        item = Item.objects.filter(task=task, pk__in=samples_of(task).get().item_ids).first()
        FunctionalLabel.objects.filter(item=item).update(annotator=reviewer)
        seen = set()
        while (check := sample_check_next(reviewer=reviewer, task_id=task.pk)) is not None:
            seen.add(check.item_id)
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")
        assert item.pk not in seen
        assert SampleCheck.objects.filter(item=item, verdict="").exists()
        own = SampleCheck.objects.get(item=item)
        with pytest.raises(NotAReviewer):
            sample_check_record(reviewer=reviewer, check_id=own.pk, verdict="accurate")

    def test_only_credentialed_reviewers_of_the_task_check(self, manager):
        task, people, reviewer = review_task(manager, name="Who", items=5, batch_size=5)
        with pytest.raises(NotAReviewer):
            sample_check_next(reviewer=people[0], task_id=task.pk)
        stranger = make_person("rev.stranger", Role.REVIEWER)
        with pytest.raises(NotAReviewer):
            sample_check_next(reviewer=stranger, task_id=task.pk)
        from annotators.services import credential_suspend
        credential = reviewer.credentials.get(kind="functional_review")
        credential_suspend(actor=manager, credential_id=credential.pk, reason="Audit")
        with pytest.raises(ReviewRefused):
            sample_check_next(reviewer=reviewer, task_id=task.pk)

    def test_verdicts_say_what_is_wrong(self, manager):
        task, _, reviewer = review_task(manager, name="Say", items=5, batch_size=5)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)
        with pytest.raises(ReviewInvalid, match="what is wrong"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="inaccurate")
        with pytest.raises(ReviewInvalid, match="risk categories"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal")
        with pytest.raises(ReviewInvalid, match="Unknown risk codes"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal",
                                risk_codes=["Z.9"])
        sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")
        assert list(AuditEvent.objects.filter(target_id=str(check.pk),
                                              target_type="review.samplecheck")
                    .order_by("pk").values_list("action", flat=True)) == \
            ["sample_check.claimed", "sample_check.recorded"]
        with pytest.raises(ReviewConflict):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="inaccurate",
                                note="Changed my mind")


class TestDecisions:
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
        task, people, reviewer = review_task(manager, name="Rework", items=50, batch_size=50)
        sample = samples_of(task).get()
        wrong = sample.item_ids[: sample.accept + 1]
        check_all(reviewer, task, {item: ("inaccurate", "Wrong ranking", []) for item in wrong})
        assert BatchDecision.objects.get(sample=sample).outcome == "rework"
        batch = Batch.objects.get(task=task)
        assert (batch.state, batch.round) == ("annotating", 2)
        assert not FunctionalLabel.objects.filter(task=task, superseded_at=None).exists()
        assert list(export_rows(task)) == []
        # The new round is labelled, sampled again and accepted.
        label_everything(task, people)
        sample_due_batches()
        second = samples_of(task).get(round=2)
        check_all(reviewer, task)
        assert BatchDecision.objects.get(sample=second).outcome == "accepted"
        assert len(list(export_rows(task))) == 50

    def test_an_accepted_batch_is_exported_only_once_its_redone_label_passed_a_check(
            self, manager):
        task, people, reviewer = review_task(manager, name="Fix", items=200, batch_size=200)
        sample = samples_of(task).get()
        assert sample.accept >= 1
        wrong = sample.item_ids[0]
        old = FunctionalLabel.objects.get(item_id=wrong)
        check_all(reviewer, task, {wrong: ("inaccurate", "Best answer is C", [])})
        assert BatchDecision.objects.get(sample=sample).outcome == "accepted"
        assert batch_states(task) == ["correcting"]
        assert list(export_rows(task)) == []

        others = [person for person in people if person.pk != old.annotator_id]
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert label_everything(task, people, label={"payload": {
                "ranking": ["Answer C", "Answer A", "Answer B"], "best_quality": 5,
                "reason": "C is right."}}) == 1
        redone = FunctionalLabel.objects.get(item_id=wrong, superseded_at=None)
        assert redone.annotator_id in {person.pk for person in others}
        assert list(export_rows(task)) == []
        assert check_all(reviewer, task) == 1

        assert batch_states(task) == ["accepted"]
        rows = {row["item_id"]: row for row in export_rows(task)}
        assert len(rows) == 200
        assert rows[wrong]["label"]["ranking"][0] == "Answer C"
        assert rows[wrong]["review_outcome"] == "re-annotated after review, and checked"
        assert rows[sample.item_ids[1]]["review_outcome"] == "batch accepted after sampling"
        old.refresh_from_db()
        assert old.superseded_at is not None

    def test_the_decision_keeps_its_numbers(self, manager):
        task, _, reviewer = review_task(manager, name="Numbers", items=20, batch_size=20)
        check_all(reviewer, task)
        decision = BatchDecision.objects.get(batch__task=task)
        sample = decision.sample
        assert (decision.items_checked, decision.items_inaccurate, decision.accept) == \
            (len(sample.item_ids), 0, sample.accept)
        event = AuditEvent.objects.get(action="batch.accepted")
        assert event.data["items_checked"] == len(sample.item_ids)


class TestSweep:
    def test_a_submitted_batch_whose_draw_was_lost_is_drawn_by_the_next_sweep(self, manager):
        from annotation.services.rework import batches_mark_submitted

        task, _, _ = review_task(manager, name="Lost draw", items=0, batch_size=10)
        from tests.annotation_setup import add_items
        add_items(manager, task, [f"lost {n}" for n in range(4)])
        person = task.memberships.filter(function="annotate").first().user
        label_everything(task, [person])
        batches_mark_submitted(on_submitted=lambda batch_id: None)   # the draw never ran
        batch = Batch.objects.get(task=task)
        assert (batch.state, samples_of(task).count()) == ("submitted", 0)

        assert sample_due_batches() == [batch.pk]

        batch.refresh_from_db()
        assert batch.state == "in_review"
        assert samples_of(task).count() == 1
        assert sample_due_batches() == []
