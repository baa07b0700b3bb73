"""Clause a.4 after the fact: the capacity check runs again when items are imported,
annotators leave or the hours change, and a shortfall shows with its numbers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.selectors import capacity_shortfalls, task_capacity
from annotation.services import membership_remove, task_update
from annotators.models import Role
from audit.models import AuditEvent
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


@pytest.fixture
def tight(manager):
    """A task of 10 items at 120 s each (20 minutes) and two annotators working an hour a
    day, due in a day: feasible with room to spare."""
    task = make_task(manager, kind="functional", name="Tight", items=10,
                     working_hours_per_day=1)
    people = [make_person(f"tight.ann{n}", Role.ANNOTATOR) for n in range(2)]
    memberships = [join(manager, task, person) for person in people]
    task_update(actor=manager, task_id=task.pk,
                changes={"deadline_at": timezone.now() + timedelta(days=1)})
    task.refresh_from_db()
    assert task_capacity(task=task, deadline_at=task.deadline_at).problem is None
    return task, memberships


def shortfalls(task) -> list[str]:
    return list(AuditEvent.objects.filter(action="task.capacity_short", target_id=str(task.pk))
                .values_list("data__reason", flat=True))


class TestCapacityRecheck:
    def test_an_import_that_makes_the_deadline_infeasible_is_recorded_with_its_numbers(
            self, manager, tight):
        task, _ = tight

        add_items(manager, task, [f"more {n}" for n in range(200)])

        capacity = task_capacity(task=task, deadline_at=task.deadline_at)
        assert capacity.remaining_labels == 210
        assert "210 labels still to make" in capacity.problem
        assert shortfalls(task) == ["200 item(s) imported"]
        event = AuditEvent.objects.get(action="task.capacity_short")
        assert event.data["annotators"] == "2"
        assert event.data["remaining_labels"] == "210"

    def test_an_annotator_leaving_is_checked_again(self, manager, tight):
        task, (first, second) = tight
        add_items(manager, task, [f"more {n}" for n in range(15)])   # 50 minutes of 2 hours
        assert shortfalls(task) == []

        membership_remove(actor=manager, membership_id=first.pk)
        membership_remove(actor=manager, membership_id=second.pk)

        assert shortfalls(task) == ["tight.ann1 left the task"]

    def test_fewer_hours_a_day_are_checked_again(self, manager, tight):
        task, _ = tight
        add_items(manager, task, [f"more {n}" for n in range(20)])

        task_update(actor=manager, task_id=task.pk, changes={"working_hours_per_day": 1,
                                                              "expected_seconds_per_item": 300})

        assert shortfalls(task) == ["settings changed"]


class TestShortfallShown:
    def test_on_the_task_page_and_the_manager_home(self, manager, manager_client, tight):
        task, _ = tight
        add_items(manager, task, [f"more {n}" for n in range(200)])

        page = manager_client.get(reverse("annotation:task-manage", args=[task.pk]))
        home = manager_client.get(reverse("compliance:home"))

        assert "Short of time." in page.content.decode()
        assert "210 labels still to make" in page.content.decode()
        assert "Tasks short of time" in home.content.decode()
        assert "210 labels still to make" in home.content.decode()

    def test_a_feasible_task_shows_no_shortfall(self, manager, manager_client, tight):
        task, _ = tight

        home = manager_client.get(reverse("compliance:home"))

        assert capacity_shortfalls(tasks=[task]) == []
        assert "Tasks short of time" not in home.content.decode()

    def test_the_home_counts_every_task_in_two_queries(self, manager, manager_client, tight,
                                                       django_assert_max_num_queries):
        people = [make_person(f"extra.ann{n}", Role.ANNOTATOR) for n in range(5)]
        for n, person in enumerate(people):
            extra = make_task(manager, kind="functional", name=f"Extra {n}", items=3)
            join(manager, extra, person)
            task_update(actor=manager, task_id=extra.pk,
                        changes={"deadline_at": timezone.now() + timedelta(days=2)})
            membership_remove(actor=manager, membership_id=extra.memberships.get().pk)
        tasks = list(tight[0].__class__.objects.all())

        with django_assert_max_num_queries(2):
            short = capacity_shortfalls(tasks=tasks)

        assert sorted(capacity.task.name for capacity in short) == \
            [f"Extra {n}" for n in range(5)]
