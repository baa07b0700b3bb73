"""Faults: one database down stops only what needs it; answers tell the truth."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from annotation.models import Lease
from annotation.services import lease_next, lease_submit, leases_expire_due
from annotators.models import Role
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.rules.services.test_concurrency import run_together
from tests.services_payloads import GOOD_FUNCTIONAL


@pytest.mark.django_db(databases=["default", "safety"])
class TestOneDatabaseDown:
    def test_functional_leases_lapse_while_the_safety_database_is_out_of_reach(
            self, manager, monkeypatch):
        functional = make_task(manager, kind="functional", name="Lapse f", items=2)
        safety = make_task(manager, kind="safety", name="Lapse s", items=2)
        worker = make_person("ann.lapse", Role.ANNOTATOR)
        join(manager, functional, worker)
        join(manager, safety, worker)
        leases = [lease_next(user=worker, task_id=task.pk) for task in (functional, safety)]

        def down(lease_ids):
            raise OperationalError("could not connect to server")

        monkeypatch.setattr("annotation.services.reconcile.safety_labels_for_leases", down)
        with time_machine.travel(timezone.now() + timedelta(hours=3)):
            expired = leases_expire_due()

        states = [Lease.objects.get(pk=lease.pk).state for lease in leases]
        assert expired == 1
        assert states == [Lease.State.EXPIRED, Lease.State.ACTIVE]


@pytest.mark.django_db(databases=["default", "safety"])
class TestAnswers:
    def test_a_database_out_of_reach_is_503_with_a_retry_hint(self, manager, monkeypatch):
        task = make_task(manager, kind="functional", name="Down", items=1)
        worker = make_person("ann.down", Role.ANNOTATOR)
        join(manager, task, worker)
        client = APIClient()
        client.force_authenticate(worker)

        def down(**kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr("annotation.services.lease_next", down)
        response = client.post(reverse("api:annotation:task-next", args=[task.pk]))

        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json()["code"] == "database_unavailable"
        assert response.json()["detail"] == {"retry_after_seconds": 5}


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestSimultaneousRetries:
    @pytest.mark.parametrize("kind", ["functional", "safety"])
    def test_exactly_one_of_three_says_created(self, kind):
        manager = make_person(f"mgr.once.{kind}", Role.MANAGER)
        task = make_task(manager, kind=kind, name=f"Once {kind}", items=2,
                         minimum_seconds_per_item=0)
        worker = make_person(f"ann.once.{kind}", Role.ANNOTATOR)
        join(manager, task, worker)
        lease = lease_next(user=worker, task_id=task.pk)
        client_id = uuid.uuid4()
        label = GOOD_FUNCTIONAL if kind == "functional" else {"no_risk": True}

        outcomes = run_together(*[
            lambda: lease_submit(user=worker, lease_id=lease.pk, client_id=client_id,
                                 label=label)] * 3)

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert len({outcome.label_id for outcome in outcomes}) == 1
        assert sum(outcome.created for outcome in outcomes) == 1
