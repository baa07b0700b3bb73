"""Invariant 6, its last sentence: a batch is sampled as soon as its last label lands, whether
or not a scheduler runs; and a manager may draw a complete batch's sample by hand."""

import uuid

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.models import Batch, Lease
from annotation.services import lease_next, lease_submit
from annotators.models import Role
from audit.models import AuditEvent
from review.models import Sample
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.rules.services.test_concurrency import run_together
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def labelled_task(manager, name: str, *, items: int, annotators: int = 1):
    task = make_task(manager, kind="functional", name=name, items=items, batch_size=items,
                     minimum_seconds_per_item=0)
    people = [make_person(f"{name.lower()}.ann{n}", Role.ANNOTATOR) for n in range(annotators)]
    for person in people:
        join(manager, task, person)
    return task, people


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestWithoutAScheduler:
    def test_labelling_a_whole_batch_through_the_api_draws_its_sample(self, manager):
        # Tasks run in the process, as the embedded default runs them; no beat runs here.
        task, (person,) = labelled_task(manager, "Nobeat", items=12)
        client = api_for(person)
        lease = client.post(reverse("api:annotation:task-next", args=[task.pk])).json()

        while lease:
            response = client.post(
                reverse("api:annotation:lease-submit", args=[lease["id"]]),
                {"client_id": str(uuid.uuid4()), "label": GOOD_FUNCTIONAL, "next": True},
                format="json")
            assert response.status_code == 201
            lease = response.json()["next"]

        batch = Batch.objects.get(task=task)
        sample = Sample.objects.get(batch=batch)
        assert batch.state == Batch.State.IN_REVIEW
        assert len(sample.item_ids) >= 1
        assert AuditEvent.objects.filter(action="batch.submitted", target_id=str(batch.pk),
                                         data__reason="its last label landed").exists()

    def test_a_reviewer_then_finds_the_sample_in_their_queue(self, manager, reviewer):
        task, (person,) = labelled_task(manager, "Queue", items=3)
        join(manager, task, reviewer, "review")
        while (lease := lease_next(user=person, task_id=task.pk)) is not None:
            lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                         label=GOOD_FUNCTIONAL)

        response = api_for(reviewer).post(reverse("api:review:sample-check-next",
                                                  args=[task.pk]))

        assert response.status_code == 200
        assert response.json()["sample"] == Sample.objects.get(batch__task=task).pk


class TestTheLastLabel:
    def test_the_batch_waits_while_an_item_is_still_being_labelled(self, manager):
        task, (first, second) = labelled_task(manager, "Busy", items=2, annotators=2)
        held = lease_next(user=second, task_id=task.pk)
        mine = lease_next(user=first, task_id=task.pk)

        with TestCase.captureOnCommitCallbacks(execute=True):
            lease_submit(user=first, lease_id=mine.pk, client_id=uuid.uuid4(),
                         label=GOOD_FUNCTIONAL)
        assert Batch.objects.get(task=task).state == Batch.State.ANNOTATING

        with TestCase.captureOnCommitCallbacks(execute=True):
            lease_submit(user=second, lease_id=held.pk, client_id=uuid.uuid4(),
                         label=GOOD_FUNCTIONAL)
        assert Batch.objects.get(task=task).state == Batch.State.IN_REVIEW
        assert Sample.objects.filter(batch__task=task).count() == 1


class TestDrawByHand:
    def test_a_manager_draws_a_complete_batch_once_through_the_api(self, manager):
        task, (person,) = labelled_task(manager, "Byhand", items=4)
        while (lease := lease_next(user=person, task_id=task.pk)) is not None:
            lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                         label=GOOD_FUNCTIONAL)    # on_commit never runs here: nothing drawn
        batch = Batch.objects.get(task=task)
        assert not Sample.objects.filter(batch=batch).exists()
        url = reverse("api:review:batch-sample-draw", args=[batch.pk])

        first = api_for(manager).post(url)
        again = api_for(manager).post(url)

        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"] == Sample.objects.get(batch=batch).pk
        assert Batch.objects.get(pk=batch.pk).state == Batch.State.IN_REVIEW
        assert AuditEvent.objects.filter(action="sample.drawn_by_hand").count() == 1

    def test_an_unfinished_batch_is_refused_and_stays_as_it_is(self, manager):
        task, (person,) = labelled_task(manager, "Unfinished", items=3)
        lease = lease_next(user=person, task_id=task.pk)
        lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                     label=GOOD_FUNCTIONAL)
        batch = Batch.objects.get(task=task)

        response = api_for(manager).post(reverse("api:review:batch-sample-draw",
                                                 args=[batch.pk]))

        assert response.status_code == 409
        assert "without their labels" in response.json()["message"]
        assert Batch.objects.get(pk=batch.pk).state == Batch.State.ANNOTATING
        assert not Sample.objects.filter(batch=batch).exists()

    def test_workers_may_not_and_an_unknown_batch_is_404(self, manager, reviewer):
        task, (person,) = labelled_task(manager, "Notyours", items=1)
        join(manager, task, reviewer, "review")
        batch = Batch.objects.get(task=task)
        url = reverse("api:review:batch-sample-draw", args=[batch.pk])

        assert api_for(person).post(url).status_code == 403
        assert api_for(reviewer).post(url).status_code == 403
        assert api_for(manager).post(reverse("api:review:batch-sample-draw",
                                             args=[999999])).status_code == 404
        assert not Sample.objects.filter(batch=batch).exists()

    def test_the_batch_board_offers_it_and_draws_it(self, manager, manager_client):
        task, (person,) = labelled_task(manager, "Board", items=2)
        while (lease := lease_next(user=person, task_id=task.pk)) is not None:
            lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                         label=GOOD_FUNCTIONAL)
        batch = Batch.objects.get(task=task)
        board = reverse("review:batch-board", args=[task.pk])
        assert "Draw the sample now" in manager_client.get(board).content.decode()

        response = manager_client.post(reverse("review:batch-sample-draw", args=[batch.pk]),
                                       follow=True)

        assert "Drew the sample of batch 1" in response.content.decode()
        assert "Draw the sample now" not in response.content.decode()
        assert Sample.objects.filter(batch=batch).exists()


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestTwoLastLabelsAtOnce:
    def test_the_batch_is_submitted_and_sampled_once(self):
        manager = make_person("mgr.lastpair", Role.MANAGER)
        task, people = labelled_task(manager, "Lastpair", items=8, annotators=8)
        leases = [lease_next(user=person, task_id=task.pk) for person in people]
        assert Lease.objects.filter(task=task, state="active").count() == 8

        outcomes = run_together(*[
            (lambda person=person, lease=lease: lease_submit(
                user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                label=GOOD_FUNCTIONAL).label_id)
            for person, lease in zip(people, leases, strict=True)])

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        batch = Batch.objects.get(task=task)
        assert batch.state == Batch.State.IN_REVIEW
        assert Sample.objects.filter(batch=batch).count() == 1
        assert AuditEvent.objects.filter(action="batch.submitted",
                                         target_id=str(batch.pk)).count() == 1
