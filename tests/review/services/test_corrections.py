"""Invariant 6: re-done work passes review before it leaves. An inaccurate sampled item of an
accepted batch goes to another annotator, and the label made again is checked before the
batch is exported."""

import uuid

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.models import Batch, FunctionalLabel, Lease
from annotation.services import lease_next, lease_submit
from annotators.models import Role
from review.models import BatchDecision, SampleCheck
from review.selectors import batch_board
from review.services import batches_sample_due, export_rows
from tests.annotation_setup import join
from tests.conftest import make_person
from tests.review_setup import (
    batch_states,
    check_all,
    label_everything,
    review_task,
    sample_due_batches,
    samples_of,
)
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def correcting(manager, name: str):
    """A batch of 200 items by one annotator, accepted by its sample with one inaccurate
    item: the batch is being corrected."""
    task, (worker,), reviewer = review_task(manager, name=name, items=200, batch_size=200,
                                            annotators=1)
    wrong = samples_of(task).get().item_ids[0]
    check_all(reviewer, task, {wrong: ("inaccurate", "Ranks the wrong answer first", [])})
    assert batch_states(task) == ["correcting"]
    return task, worker, reviewer, wrong


def relabel(person, task) -> int | None:
    """The person labels the next item they get, committing as a request would; returns
    the item, or None when nothing is left for them."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        lease = lease_next(user=person, task_id=task.pk)
        if lease is None:
            return None
        lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                     label=GOOD_FUNCTIONAL)
    return lease.item_id


class TestReannotation:
    def test_the_failed_item_never_goes_back_to_its_annotator_and_the_board_says_it_waits(
            self, manager, manager_client):
        task, worker, _, wrong = correcting(manager, "Waits")

        assert lease_next(user=worker, task_id=task.pk) is None

        [row] = batch_board(task=task)
        assert row["waiting_for_annotator"] == 1
        page = manager_client.get(reverse("review:batch-board", args=[task.pk]))
        assert "1 item waits for an annotator other than the one whose label failed" in \
            page.content.decode()
        assert Lease.objects.get(item_id=wrong, user=worker).state == Lease.State.FAILED

    def test_another_annotator_makes_it_again_and_a_reviewer_checks_it(self, manager):
        task, _worker, _reviewer, wrong = correcting(manager, "Other")
        other = make_person("other.ann", Role.ANNOTATOR)
        join(manager, task, other)

        assert relabel(other, task) == wrong

        redone = FunctionalLabel.objects.get(item_id=wrong, superseded_at=None)
        recheck = SampleCheck.objects.get(label=redone)
        assert (redone.annotator_id, recheck.recheck, recheck.verdict) == (other.pk, True, "")
        assert list(export_rows(task)) == []
        assert [row["rechecks_waiting"] for row in batch_board(task=task)] == [1]

    def test_a_recheck_found_inaccurate_goes_to_yet_another_annotator(self, manager):
        task, _worker, reviewer, wrong = correcting(manager, "Again")
        second, third = (make_person(f"again.{n}", Role.ANNOTATOR) for n in (2, 3))
        join(manager, task, second)
        join(manager, task, third)
        relabel(second, task)

        check_all(reviewer, task, {wrong: ("inaccurate", "Still wrong", [])})

        assert batch_states(task) == ["correcting"]
        assert relabel(second, task) is None
        assert relabel(third, task) == wrong
        check_all(reviewer, task)
        assert batch_states(task) == ["accepted"]
        rows = {row["item_id"]: row for row in export_rows(task)}
        assert rows[wrong]["review_outcome"] == "re-annotated after review, and checked"

    def test_a_recheck_that_finds_illegal_content_invalidates_the_batch(self, manager):
        task, _worker, reviewer, wrong = correcting(manager, "Illegal")
        other = make_person("illegal.other", Role.ANNOTATOR)
        join(manager, task, other)
        relabel(other, task)

        check_all(reviewer, task, {wrong: ("illegal", "", ["A.1.a"])})

        assert batch_states(task) == ["invalidated"]
        decision = BatchDecision.objects.get(batch__task=task, cause="recheck")
        assert decision.outcome == "invalidated"
        assert decision.sample is None
        assert [row["item"] for row in decision.evidence["illegal"]] == [wrong]
        assert list(export_rows(task)) == []

    def test_a_lost_recheck_is_queued_by_the_sweep(self, manager):
        task, _worker, reviewer, wrong = correcting(manager, "Lostcheck")
        other = make_person("lostcheck.other", Role.ANNOTATOR)
        join(manager, task, other)
        lease = lease_next(user=other, task_id=task.pk)
        lease_submit(user=other, lease_id=lease.pk, client_id=uuid.uuid4(),
                     label=GOOD_FUNCTIONAL)    # its commit's follow-up never ran
        assert not SampleCheck.objects.filter(recheck=True).exists()

        with TestCase.captureOnCommitCallbacks(execute=True):
            batches_sample_due()

        assert SampleCheck.objects.filter(recheck=True, item_id=wrong).count() == 1
        assert check_all(reviewer, task) == 1
        assert batch_states(task) == ["accepted"]


class TestRechecksThroughTheApi:
    def test_the_reviewer_gets_the_redone_label_marked_as_such(self, manager):
        task, _worker, reviewer, wrong = correcting(manager, "Apirecheck")
        other = make_person("apirecheck.other", Role.ANNOTATOR)
        join(manager, task, other)
        relabel(other, task)
        client = APIClient()
        client.force_authenticate(reviewer)

        check = client.post(reverse("api:review:sample-check-next", args=[task.pk])).json()
        verdict = client.post(reverse("api:review:sample-check-verdict", args=[check["id"]]),
                              {"verdict": "accurate"}, format="json")

        assert (check["item"]["id"], check["recheck"]) == (wrong, True)
        assert verdict.status_code == 200
        assert Batch.objects.get(task=task).state == "accepted"


class TestRechecksCannotBeSkipped:
    def test_a_label_made_again_whose_check_is_not_yet_queued_holds_the_batch(self, manager):
        task, _workers, reviewer = review_task(manager, name="Twolabels", items=200,
                                              batch_size=200, labels_per_item=2)
        wrong = samples_of(task).get().item_ids[0]
        check_all(reviewer, task, {wrong: ("inaccurate", "wrong", [])})
        second, third = (make_person(f"twolabels.{n}", Role.ANNOTATOR) for n in (2, 3))
        join(manager, task, second)
        join(manager, task, third)
        assert relabel(second, task) == wrong
        # The other label commits; the message that queues its check has not arrived.
        lease = lease_next(user=third, task_id=task.pk)
        lease_submit(user=third, lease_id=lease.pk, client_id=uuid.uuid4(),
                     label=GOOD_FUNCTIONAL)

        assert check_all(reviewer, task) == 2

        assert batch_states(task) == ["accepted"]
        assert SampleCheck.objects.filter(item_id=wrong, recheck=True,
                                          verdict="accurate").count() == 2

    def test_after_a_round_sent_back_only_labels_made_again_are_rechecked(self, manager):
        task, people, reviewer = review_task(manager, name="Secondround", items=200,
                                             batch_size=200)
        first, second = samples_of(task).get().item_ids[:2]
        check_all(reviewer, task, {first: ("inaccurate", "x", []),
                                   second: ("inaccurate", "x", [])})
        assert batch_states(task) == ["annotating"]
        label_everything(task, people)
        sample_due_batches()
        again = samples_of(task).last()
        check_all(reviewer, task, {again.item_ids[0]: ("inaccurate", "x", [])})
        assert batch_states(task) == ["correcting"]

        with TestCase.captureOnCommitCallbacks(execute=True):
            batches_sample_due()

        assert not SampleCheck.objects.filter(sample__batch__task=task, recheck=True).exists()


def test_the_review_home_counts_labels_made_again_and_forgets_a_task_left(manager, client):
    from annotation.services import membership_remove
    from review.selectors import review_queue_counts, tasks_reviewed_by

    task, _worker, reviewer, _wrong = correcting(manager, "Home")
    other = make_person("home.other", Role.ANNOTATOR)
    join(manager, task, other)
    relabel(other, task)

    assert review_queue_counts(actor=reviewer, tasks=[task]) == {task.pk: 1}

    membership_remove(actor=manager, membership_id=task.memberships.get(user=reviewer).pk)
    assert list(tasks_reviewed_by(actor=reviewer)) == []


class TestExportAfterCorrection:
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
