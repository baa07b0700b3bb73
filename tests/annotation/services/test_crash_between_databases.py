"""A safety label committed before a crash is never undone: whichever path finds its lease
lapsed closes it as labelled, and the item is never handed out again."""

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from annotation.models import Item, Lease
from annotation.services import lease_next, lease_submit, leases_expire_due
from annotators.models import Role
from safety_labels.models import SafetyLabel
from tests.annotation_setup import join, make_task
from tests.conftest import make_person

LABEL = {"no_risk": True}


def crashed_submit(worker, lease) -> uuid.UUID:
    """Submit a safety label and kill the request's database backend after the safety
    commit, while it waits to close the lease (a real lock held here, a real kill)."""
    client_id = uuid.uuid4()
    ready, backend = threading.Event(), {}

    def submit():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend["pid"] = cursor.fetchone()[0]
            ready.set()
            lease_submit(user=worker, lease_id=lease.pk, client_id=client_id, label=LABEL)
        except OperationalError as error:
            backend["error"] = error
        finally:
            connections.close_all()

    with transaction.atomic():
        Lease.objects.select_for_update().get(pk=lease.pk)     # the close will wait here
        thread = threading.Thread(target=submit)
        thread.start()
        assert ready.wait(10)
        for _ in range(100):
            if SafetyLabel.objects.filter(lease_id=lease.pk).exists():
                break
            thread.join(0.1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
    thread.join(10)
    assert "error" in backend, "the request should have died with its backend"
    return client_id


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestACrashBetweenTheDatabases:
    def setup_task(self, name: str):
        manager = make_person(f"mgr.{name}", Role.MANAGER)
        task = make_task(manager, kind="safety", name=f"Crash {name}", items=3,
                         minimum_seconds_per_item=0)
        worker = make_person(f"ann.{name}", Role.ANNOTATOR)
        join(manager, task, worker)
        return task, worker

    def test_the_person_s_next_request_closes_the_lapsed_lease_as_labelled(self):
        task, worker = self.setup_task("next")
        lease = lease_next(user=worker, task_id=task.pk)
        crashed_submit(worker, lease)
        assert Lease.objects.get(pk=lease.pk).state == Lease.State.ACTIVE

        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            following = lease_next(user=worker, task_id=task.pk)

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SUBMITTED
        assert following.item_id != lease.item_id
        item = Item.objects.get(pk=lease.item_id)
        assert (item.labels_done, item.open_slots) == (1, 0)

    def test_the_retry_past_its_time_returns_the_label_it_made(self):
        task, worker = self.setup_task("retry")
        lease = lease_next(user=worker, task_id=task.pk)
        client_id = crashed_submit(worker, lease)

        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            again = lease_submit(user=worker, lease_id=lease.pk, client_id=client_id,
                                 label=LABEL)

        assert again.label_id == SafetyLabel.objects.get(lease_id=lease.pk).pk
        assert again.created is False
        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SUBMITTED

    def test_the_sweep_closes_it_and_hands_the_item_to_nobody(self):
        task, worker = self.setup_task("sweep")
        other = make_person("ann.sweep.other", Role.ANNOTATOR)
        join(task.created_by, task, other)
        lease = lease_next(user=worker, task_id=task.pk)
        crashed_submit(worker, lease)

        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            leases_expire_due()
            handed = [lease_next(user=other, task_id=task.pk) for _ in range(1)]

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SUBMITTED
        assert all(next_lease.item_id != lease.item_id for next_lease in handed)
        assert SafetyLabel.objects.filter(item_id=lease.item_id).count() == 1

    def test_the_reconciler_closes_a_lease_that_lapsed_before_anyone_looked(self):
        from annotation.services import safety_labels_reconcile
        from annotation.services.leases import _expire

        task, worker = self.setup_task("reconcile")
        lease = lease_next(user=worker, task_id=task.pk)
        crashed_submit(worker, lease)
        _expire(Lease.objects.get(pk=lease.pk))      # as an older sweep would have left it

        assert safety_labels_reconcile() == 1

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SUBMITTED
        item = Item.objects.get(pk=lease.item_id)
        assert (item.labels_done, item.open_slots) == (1, 0)
