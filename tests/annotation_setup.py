"""Fixtures for tasks: published rule versions, annotators who hold the right credentials
and acknowledged the rules, and active tasks with items. States come from the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Task
from annotation.services import (
    import_job_create,
    import_job_run,
    membership_add,
    task_create,
    task_set_state,
)
from annotators.models import CredentialPolicy, Role
from annotators.services import policy_update
from demo.rules import FUNCTIONAL_FIELDS, SAFETY_FIELDS
from rules.services import rule_version_acknowledge, rule_version_publish
from tests.conftest import make_person
from tests.rules.conftest import make_functional_draft, make_safety_draft
from tests.workforce import build_course, build_exam, complete_training, take_exam


def grant_credential(manager, user, kind: str) -> None:
    """Train and examine ``user`` until they hold an active credential of ``kind``."""
    policy = CredentialPolicy.objects.get(kind=kind)
    if policy.exam_id is None:
        policy_update(actor=manager, kind=kind, changes={
            "course": build_course(manager, title=f"{kind} course"),
            "exam": build_exam(manager, title=f"{kind} exam"), "cooldown_hours": 0})
    complete_training(user, CredentialPolicy.objects.get(kind=kind).course)
    assert take_exam(user, kind=kind).passed


# Settings a task takes from its rule version and may only make stricter: a test that asks
# for its own publishes rules that say so.
VERSION_FIELDS = ("expected_seconds_per_item", "minimum_seconds_per_item", "required_approvals")


def make_task(manager, *, kind: str, name: str, items: int = 0, labels_per_item: int = 1,
              **fields) -> Task:
    rules = {field: fields[field] for field in VERSION_FIELDS if field in fields}
    if kind == "safety":
        draft = make_safety_draft(manager, name=name, fields={**SAFETY_FIELDS, **rules})
    else:
        rules.pop("required_approvals", None)
        draft = make_functional_draft(manager, name=name, fields={**FUNCTIONAL_FIELDS, **rules})
    version = rule_version_publish(actor=manager, version_id=draft.pk)
    task = task_create(actor=manager, name=name, rule_version_id=version.pk,
                       labels_per_item=labels_per_item, **fields)
    if items:
        add_items(manager, task, [f"{name} item {n}" for n in range(items)])
    return task_set_state(actor=manager, task_id=task.pk, state=Task.State.ACTIVE)


def add_items(manager, task: Task, texts: list[str]):
    """Import plain-text items and run the import now (tests do not commit, so the queued
    run never fires by itself)."""
    lines = "\n".join(texts).encode()
    job = import_job_create(actor=manager, task_id=task.pk,
                            upload=SimpleUploadedFile("items.txt", lines))
    return import_job_run(job_id=job.pk)


def join(manager, task: Task, user, function: str = "annotate", *, acknowledge: bool = True):
    kind = task.credential_kind(function)
    if not user.credentials.filter(kind=kind, status="active").exists():
        grant_credential(manager, user, kind)
    membership = membership_add(actor=manager, task_id=task.pk, user_id=user.pk,
                                function=function)
    if acknowledge:
        rule_version_acknowledge(actor=user, version_id=task.rule_version_id)
    return membership


@pytest.fixture
def functional_task(manager):
    return make_task(manager, kind="functional", name="Rank answers", items=5)


@pytest.fixture
def safety_task(manager):
    return make_task(manager, kind="safety", name="Spot risks", items=5)


@pytest.fixture
def working_annotator(manager, annotator, functional_task):
    join(manager, functional_task, annotator)
    return annotator


def new_person(username: str, role=Role.ANNOTATOR):
    return make_person(username, role)

