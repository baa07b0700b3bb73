"""Each list answers in a number of queries that does not grow with its rows: the count is
taken with a few rows, then rows are added and the same count must hold."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotation.services import lease_next, lease_submit
from annotators.models import Role
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def url(name: str, *args) -> str:
    return reverse(f"api:annotation:{name}", args=args)


def queries_for(client, path: str) -> int:
    client.get(path)  # the first request of a session warms caches the later ones share
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def label_all(user, task) -> None:
    while (lease := lease_next(user=user, task_id=task.pk)):
        lease_submit(user=user, lease_id=lease.pk, client_id=uuid.uuid4(),
                     label=GOOD_FUNCTIONAL if not task.is_safety else {"no_risk": True})


class TestTaskListApi:
    def test_a_workers_tasks_cost_the_same_however_many(self, client, manager, annotator,
                                                        django_assert_num_queries):
        first = make_task(manager, kind="functional", name="Listed 1")
        join(manager, first, annotator)
        client.force_login(annotator)
        expected = queries_for(client, url("task-list"))
        for n in range(2, 5):
            join(manager, make_task(manager, kind="functional", name=f"Listed {n}"), annotator)

        with django_assert_num_queries(expected):
            listed = client.get(url("task-list")).json()

        assert listed["count"] == 4


class TestMembershipListApi:
    def test_members_cost_the_same_however_many(self, client, manager, functional_task,
                                                django_assert_num_queries):
        workers = [make_person(f"ann.listed.{n}", Role.ANNOTATOR) for n in range(4)]
        join(manager, functional_task, workers[0])
        client.force_login(workers[0])
        path = url("membership-list", functional_task.pk)
        expected = queries_for(client, path)
        for worker in workers[1:]:
            join(manager, functional_task, worker)

        with django_assert_num_queries(expected):
            listed = client.get(path).json()

        assert listed["count"] == 4
        assert sum(row["you"] for row in listed["results"]) == 1


class TestItemAndBatchListApi:
    def test_items_and_batches_cost_the_same_however_many(self, manager_client, manager,
                                                          django_assert_num_queries):
        task = make_task(manager, kind="functional", name="Many items", items=2, batch_size=2)
        items, batches = url("item-list", task.pk), url("batch-list", task.pk)
        expected = (queries_for(manager_client, items), queries_for(manager_client, batches))
        add_items(manager, task, [f"More {n}" for n in range(8)])

        with django_assert_num_queries(expected[0]):
            listed_items = manager_client.get(items).json()
        with django_assert_num_queries(expected[1]):
            listed_batches = manager_client.get(batches).json()

        assert listed_items["count"] == 10
        assert listed_batches["count"] == 5


class TestMyLabelsApi:
    def test_ones_labels_of_both_kinds_cost_the_same_however_many(
            self, client, manager, annotator, django_assert_num_queries):
        functional = make_task(manager, kind="functional", name="Mine f", items=1,
                               minimum_seconds_per_item=0)
        safety = make_task(manager, kind="safety", name="Mine s", items=1,
                           minimum_seconds_per_item=0)
        for task in (functional, safety):
            join(manager, task, annotator)
            label_all(annotator, task)
        client.force_login(annotator)
        expected = queries_for(client, url("my-labels"))
        for task in (functional, safety):
            add_items(manager, task, [f"{task.name} more {n}" for n in range(3)])
            label_all(annotator, task)

        with django_assert_num_queries(expected):
            mine = client.get(url("my-labels")).json()

        assert mine["count"] == 8
        assert sorted(row["kind"] for row in mine["results"]) == ["functional"] * 4 + \
            ["safety"] * 4
        times = [row["submitted_at"] for row in mine["results"]]
        assert times == sorted(times, reverse=True)
