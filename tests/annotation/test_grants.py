"""Managers hold the permissions of the annotation app that let them create and run tasks
and read everything of them."""

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_managers_run_tasks_and_read_everything_of_them():
    held = set(Group.objects.get(name="Managers").permissions
               .filter(content_type__app_label="annotation").values_list("codename", flat=True))

    assert held >= {"manage_task", "view_task", "view_membership", "view_item", "view_batch",
                    "view_lease", "view_functionallabel", "view_importjob"}


@pytest.mark.parametrize("role", ["Annotators", "Reviewers"])
def test_workers_do_not_run_tasks(role):
    held = set(Group.objects.get(name=role).permissions
               .filter(content_type__app_label="annotation").values_list("codename", flat=True))

    assert "manage_task" not in held
