import uuid
from collections import Counter

import pytest

from annotation.models import FunctionalLabel, Item, Lease, Membership
from annotation.services import lease_next, lease_submit, membership_add
from annotation.services.memberships import SecondFunctionRefused
from annotators.models import CredentialKind, Role
from tests.annotation_setup import grant_credential, join, make_task
from tests.conftest import make_person
from tests.rules.services.test_concurrency import run_together
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


class TestConcurrentLabelling:
    def test_16_annotators_label_1000_items_twice_each_without_loss_or_repeats(self):
        manager = make_person("mgr.load", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Load", items=1000,
                         labels_per_item=2, batch_size=100)
        workers = [make_person(f"ann.load{n}", Role.ANNOTATOR) for n in range(16)]
        for worker in workers:
            join(manager, task, worker)
        submitted = Counter()

        def label_until_empty(worker):
            def job():
                while (lease := lease_next(user=worker, task_id=task.pk)) is not None:
                    lease_submit(user=worker, lease_id=lease.pk, client_id=uuid.uuid4(),
                                 label=GOOD_FUNCTIONAL)
                    submitted[worker.pk] += 1
                return submitted[worker.pk]
            return job

        outcomes = run_together(*(label_until_empty(worker) for worker in workers))

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert FunctionalLabel.objects.filter(task=task).count() == 2000
        assert sum(submitted.values()) == 2000
        pairs = FunctionalLabel.objects.filter(task=task).values_list("item_id", "annotator_id")
        assert len(set(pairs)) == 2000
        assert set(Item.objects.filter(task=task).values_list("labels_done", "open_slots")) \
            == {(2, 0)}
        assert not Lease.objects.filter(task=task, state="active").exists()


class TestConcurrentMemberships:
    def test_two_functions_at_once_end_with_one(self):
        manager = make_person("mgr.race", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Race")
        person = make_person("ann.race", Role.ANNOTATOR)
        grant_credential(manager, person, CredentialKind.FUNCTIONAL_ANNOTATE)
        grant_credential(manager, person, CredentialKind.FUNCTIONAL_REVIEW)

        outcomes = run_together(
            lambda: membership_add(actor=manager, task_id=task.pk, user_id=person.pk,
                                   function="annotate"),
            lambda: membership_add(actor=manager, task_id=task.pk, user_id=person.pk,
                                   function="review"))

        assert Membership.objects.filter(task=task, user=person).count() == 1
        assert sum(isinstance(o, SecondFunctionRefused) for o in outcomes) == 1


class TestConcurrentRetries:
    def test_the_same_submission_sent_twice_at_once_makes_one_label(self):
        manager = make_person("mgr.retry", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Retry", items=3)
        worker = make_person("ann.retry", Role.ANNOTATOR)
        join(manager, task, worker)
        lease = lease_next(user=worker, task_id=task.pk)
        client_id = uuid.uuid4()

        def send():
            return lease_submit(user=worker, lease_id=lease.pk, client_id=client_id,
                                label=GOOD_FUNCTIONAL).label_id

        outcomes = run_together(send, send, send)

        assert FunctionalLabel.objects.filter(annotator=worker).count() == 1
        assert len(set(outcomes)) == 1, outcomes
        assert Item.objects.get(pk=lease.item_id).labels_done == 1


class TestConcurrentNext:
    def test_one_person_asking_twice_at_once_holds_one_lease(self):
        manager = make_person("mgr.twotabs", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Two tabs", items=10)
        worker = make_person("ann.twotabs", Role.ANNOTATOR)
        join(manager, task, worker)

        outcomes = run_together(*[lambda: lease_next(user=worker, task_id=task.pk).pk] * 4)

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        live = Lease.objects.filter(task=task, user=worker, state="active")
        assert list(live.values_list("pk", flat=True)) == [outcomes[0]]
        assert set(outcomes) == {outcomes[0]}
        assert Item.objects.filter(task=task, open_slots=0).count() == 1
