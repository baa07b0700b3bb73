import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.models import FunctionalLabel, Item, Lease
from annotation.services import (
    lease_next,
    lease_skip,
    lease_submit,
    leases_expire_due,
    task_set_state,
)
from annotation.services.leases import (
    AcknowledgementRequired,
    LeaseNotFound,
    LeaseRefused,
    NotAnAnnotator,
    SkipReasonMissing,
    TaskNotActive,
    WorkRefused,
)
from annotators.models import Role
from annotators.services import credential_suspend
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def submit(user, lease, label=GOOD_FUNCTIONAL):
    return lease_submit(user=user, lease_id=lease.pk, client_id=uuid.uuid4(), label=label)


class TestLeaseNext:
    def test_hands_an_item_and_returns_the_same_lease_until_done(self, working_annotator,
                                                                 functional_task):
        first = lease_next(user=working_annotator, task_id=functional_task.pk)

        again = lease_next(user=working_annotator, task_id=functional_task.pk)

        assert first.pk == again.pk
        assert Item.objects.get(pk=first.item_id).open_slots == 0

    def test_nobody_gets_an_item_twice_and_labels_fill_every_slot(self, working_annotator,
                                                                  functional_task):
        seen = []

        while (lease := lease_next(user=working_annotator, task_id=functional_task.pk)):
            seen.append(lease.item_id)
            submit(working_annotator, lease)

        assert len(seen) == len(set(seen)) == 5
        assert FunctionalLabel.objects.filter(annotator=working_annotator).count() == 5
        assert set(Item.objects.filter(task=functional_task)
                   .values_list("labels_done", flat=True)) == {1}

    def test_a_non_member_gets_404(self, reviewer, functional_task):
        with pytest.raises(NotAnAnnotator):
            lease_next(user=reviewer, task_id=functional_task.pk)

    def test_a_reviewer_of_the_task_cannot_annotate(self, manager, reviewer, functional_task):
        join(manager, functional_task, reviewer, "review")

        with pytest.raises(NotAnAnnotator):
            lease_next(user=reviewer, task_id=functional_task.pk)

    def test_acknowledgement_of_the_rules_comes_first(self, manager, annotator,
                                                      functional_task):
        join(manager, functional_task, annotator, acknowledge=False)

        with pytest.raises(AcknowledgementRequired):
            lease_next(user=annotator, task_id=functional_task.pk)

    def test_a_suspended_annotator_is_refused_and_their_lease_released(
            self, manager, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        credential = working_annotator.credentials.get(kind="functional_annotate")

        credential_suspend(actor=manager, credential_id=credential.pk, reason="Check")

        with pytest.raises(WorkRefused, match="no active functional annotation credential"):
            submit(working_annotator, lease)
        lease.refresh_from_db()
        assert lease.state == "released"
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        with pytest.raises(WorkRefused):
            lease_next(user=working_annotator, task_id=functional_task.pk)

    def test_a_paused_task_refuses_work(self, manager, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        task_set_state(actor=manager, task_id=functional_task.pk, state="paused")

        with pytest.raises(TaskNotActive):
            submit(working_annotator, lease)
        with pytest.raises(TaskNotActive):
            lease_next(user=working_annotator, task_id=functional_task.pk)


class TestLapse:
    def test_a_lapsed_lease_returns_to_the_pool_and_a_late_submit_is_refused(
            self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.expires_at + timedelta(seconds=1)):
            expired = leases_expire_due()
            with pytest.raises(LeaseRefused, match="expired"):
                submit(working_annotator, lease)

        assert expired == 1
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        assert not FunctionalLabel.objects.filter(annotator=working_annotator).exists()

    def test_a_late_submit_before_the_sweep_is_refused_too(self, working_annotator,
                                                           functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.expires_at + timedelta(seconds=1)), \
                pytest.raises(LeaseRefused, match="ran out"):
            submit(working_annotator, lease)

        assert Item.objects.get(pk=lease.item_id).open_slots == 1


class TestLeaseSkip:
    def test_needs_a_reason_and_never_hands_the_item_back(self, working_annotator,
                                                          functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with pytest.raises(SkipReasonMissing):
            lease_skip(user=working_annotator, lease_id=lease.pk, reason=" ")
        lease_skip(user=working_annotator, lease_id=lease.pk, reason="Not in my language")
        following = lease_next(user=working_annotator, task_id=functional_task.pk)

        assert following.item_id != lease.item_id
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        assert Lease.objects.get(pk=lease.pk).skip_reason == "Not in my language"

    def test_refuses_a_lease_of_someone_else(self, manager, working_annotator,
                                             functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        other = make_person("ann.other.skip", Role.ANNOTATOR)
        join(manager, functional_task, other)

        with pytest.raises(LeaseNotFound):
            lease_skip(user=other, lease_id=lease.pk, reason="Not mine")

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.ACTIVE

    def test_refuses_a_lease_already_labelled(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        submit(working_annotator, lease)

        with pytest.raises(LeaseRefused, match="submitted"):
            lease_skip(user=working_annotator, lease_id=lease.pk, reason="Too late")

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SUBMITTED


class TestWorkQueueSteps:
    def test_a_person_far_ahead_pays_a_few_steps_not_one_per_item(self, manager):
        task = make_task(manager, kind="functional", name="Far ahead", items=400,
                         labels_per_item=2, minimum_seconds_per_item=0)
        ahead = make_person("ann.ahead", Role.ANNOTATOR)
        newcomer = make_person("ann.newcomer", Role.ANNOTATOR)
        join(manager, task, ahead)
        join(manager, task, newcomer)
        for _ in range(300):
            submit(ahead, lease_next(user=ahead, task_id=task.pk))

        with CaptureQueriesContext(connection) as first_step:
            lease_next(user=newcomer, task_id=task.pk)
        with CaptureQueriesContext(connection) as queries:
            lease = lease_next(user=ahead, task_id=task.pk)

        assert lease.item_id == Item.objects.filter(task=task).order_by("id")[300].pk
        # One step of the queue is two queries (candidates, and which of them the person
        # had). 300 items ahead, a step per eight items would be some 37 more steps.
        assert len(queries) - len(first_step) <= 2 * 4
