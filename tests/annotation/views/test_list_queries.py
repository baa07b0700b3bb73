"""Each page of lists renders in a number of queries that does not grow with its rows: the
count is taken with a few rows, then rows are added and the same count must hold."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotation.services import lease_next, lease_submit, membership_remove
from annotators.models import Role
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def queries_for(client, path: str) -> int:
    client.get(path)  # the first request of a session warms caches the later ones share
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def label_one(user, task) -> None:
    lease = lease_next(user=user, task_id=task.pk)
    lease_submit(user=user, lease_id=lease.pk, client_id=uuid.uuid4(), label=GOOD_FUNCTIONAL)


class TestHomePage:
    def test_counts_each_tasks_labels_of_today_in_the_same_queries_however_many(
            self, client, manager, annotator, django_assert_num_queries):
        first = make_task(manager, kind="functional", name="Home 1", items=2,
                          minimum_seconds_per_item=0)
        join(manager, first, annotator)
        label_one(annotator, first)
        client.force_login(annotator)
        expected = queries_for(client, reverse("annotation:home"))
        more = [make_task(manager, kind="functional", name=f"Home {n}", items=3,
                          minimum_seconds_per_item=0) for n in (2, 3)]
        for task in more:
            join(manager, task, annotator)
        label_one(annotator, more[1])
        label_one(annotator, more[1])

        with django_assert_num_queries(expected):
            response = client.get(reverse("annotation:home"))

        assert [(task.name, done) for task, done in response.context["tasks"]] == [
            ("Home 1", 1), ("Home 2", 0), ("Home 3", 2)]

    def test_lists_only_the_tasks_one_annotates_now(self, client, manager, annotator):
        annotated = make_task(manager, kind="functional", name="Annotated")
        reviewed = make_task(manager, kind="functional", name="Reviewed")
        left = make_task(manager, kind="functional", name="Left")
        join(manager, annotated, annotator)
        join(manager, reviewed, annotator, "review")
        membership_remove(actor=manager, membership_id=join(manager, left, annotator).pk)
        client.force_login(annotator)

        response = client.get(reverse("annotation:home"))

        assert [task.name for task, _ in response.context["tasks"]] == ["Annotated"]


class TestTaskManageList:
    def test_costs_the_same_however_many_tasks(self, manager_client, manager,
                                               django_assert_num_queries):
        make_task(manager, kind="functional", name="Managed 1", items=2)
        path = reverse("annotation:task-manage-list")
        expected = queries_for(manager_client, path)
        for n in (2, 3, 4):
            make_task(manager, kind="functional", name=f"Managed {n}", items=n)

        with django_assert_num_queries(expected):
            response = manager_client.get(path)

        counts = {task.name: task.item_count for task in response.context["page"].object_list}
        assert counts == {"Managed 1": 2, "Managed 2": 2, "Managed 3": 3, "Managed 4": 4}


class TestTaskManagePage:
    def test_costs_the_same_however_many_members_batches_and_imports(
            self, manager_client, manager, django_assert_num_queries):
        task = make_task(manager, kind="functional", name="Busy task", items=2, batch_size=2)
        workers = [make_person(f"ann.busy.{n}", Role.ANNOTATOR) for n in range(4)]
        join(manager, task, workers[0])
        path = reverse("annotation:task-manage", args=[task.pk])
        expected = queries_for(manager_client, path)
        for worker in workers[1:]:
            join(manager, task, worker)
        add_items(manager, task, [f"Busy {n}" for n in range(6)])

        with django_assert_num_queries(expected):
            response = manager_client.get(path)

        assert len(response.context["members"]) == 4
        assert [batch.item_count for batch in response.context["batches"]] == [2, 2, 2, 2]
        assert len(response.context["jobs"]) == 2
