"""Builders for review tests: tasks whose batches are labelled, sampled and waiting for
checks, safety tasks whose labels await approval, and reviewers who may act on them. States
come from the services."""

import json
import uuid

from django.db import connections
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from annotation.models import Batch, Lease
from annotation.services import lease_next, lease_submit
from annotators.models import Role
from review.models import Sample
from review.services import (
    batches_sample_due,
    export_job_create,
    sample_check_next,
    sample_check_record,
)
from safety_labels.models import SafetyLabel
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person
from tests.services_payloads import GOOD_FUNCTIONAL

SAFE_LABEL = {"no_risk": True}
# Two texts that a functional task and a safety task both hold.
SHARED = ["A shared sentence that turns out to be harmful.", "A second, harmless sentence."]


def label_everything(task, annotators, label=None) -> int:
    """The annotators take turns until no item needs a label; returns labels made."""
    made, idle = 0, set()
    while len(idle) < len(annotators):
        for person in annotators:
            if person.pk in idle:
                continue
            lease = lease_next(user=person, task_id=task.pk)
            if lease is None:
                idle.add(person.pk)
                continue
            default = SAFE_LABEL if task.is_safety else GOOD_FUNCTIONAL
            lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                         label=label or default)
            made += 1
    return made


def review_task(manager, *, name: str, items: int, batch_size: int, annotators: int = 2,
                **fields):
    """A functional task with its items labelled by ``annotators`` people and every batch
    sampled. Returns the task, the annotators and a reviewer of the task."""
    fields.setdefault("minimum_seconds_per_item", 0)
    task = make_task(manager, kind="functional", name=name, items=items,
                     batch_size=batch_size, **fields)
    people = [make_person(f"{name.lower().replace(' ', '.')}.ann{n}", Role.ANNOTATOR)
              for n in range(annotators)]
    for person in people:
        join(manager, task, person)
    label_everything(task, people)
    sample_due_batches()
    reviewer = make_person(f"{name.lower().replace(' ', '.')}.rev", Role.REVIEWER)
    join(manager, task, reviewer, "review")
    return task, people, reviewer


def check_all(reviewer, task, verdicts=None) -> int:
    """Give every open check of the task a verdict: ``verdicts`` maps item ids to
    (verdict, note, risk codes); others are accurate."""
    verdicts = verdicts or {}
    done = 0
    while (check := sample_check_next(reviewer=reviewer, task_id=task.pk)) is not None:
        verdict, note, codes = verdicts.get(check.item_id, ("accurate", "", []))
        sample_check_record(reviewer=reviewer, check_id=check.pk, verdict=verdict, note=note,
                            risk_codes=codes)
        done += 1
    return done


def sample_due_batches() -> list[int]:
    """Run the sweep and the draws it enqueues on commit (tests never commit)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return batches_sample_due()


def samples_of(task):
    return Sample.objects.filter(batch__task=task).order_by("batch__number", "round")


def batch_states(task) -> list[str]:
    return list(Batch.objects.filter(task=task).order_by("number")
                .values_list("state", flat=True))


def live_leases(task) -> int:
    return Lease.objects.filter(task=task, state="active").count()


def safety_setup(manager, *, name: str, items: int = 3, approvals: int = 1, reviewers: int = 2):
    """A safety task whose ``items`` are labelled by one annotator and await approval, and
    its ``reviewers``. Returns the task, the annotator and the reviewers."""
    task = make_task(manager, kind="safety", name=name, items=items,
                     required_approvals=approvals, minimum_seconds_per_item=0)
    annotator = make_person(f"{name.lower()}.ann", Role.ANNOTATOR)
    join(manager, task, annotator)
    label_everything(task, [annotator])
    people = [make_person(f"{name.lower()}.rev{n}", Role.REVIEWER) for n in range(reviewers)]
    for person in people:
        join(manager, task, person, "review")
    return task, annotator, people


def functional_with(manager, name: str, *, export: bool = False):
    """A functional task whose one batch holds the shared texts, labelled and, if asked,
    accepted and exported."""
    task = make_task(manager, kind="functional", name=name, batch_size=10,
                     minimum_seconds_per_item=0)
    add_items(manager, task, SHARED)
    person = make_person(f"{name.lower()}.ann", Role.ANNOTATOR)
    join(manager, task, person)
    if export:
        reviewer = make_person(f"{name.lower()}.rev", Role.REVIEWER)
        join(manager, task, reviewer, "review")
        with TestCase.captureOnCommitCallbacks(execute=True):
            while (lease := lease_next(user=person, task_id=task.pk)) is not None:
                lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                             label=GOOD_FUNCTIONAL)
        check_all(reviewer, task)
        with TestCase.captureOnCommitCallbacks(execute=True):
            export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        assert Batch.objects.get(task=task).first_exported_at is not None
    return task


def safety_label_on(manager, codes: list[str], *, name: str = "Screen"):
    """A safety task holding the shared texts, its first item labelled with ``codes``, and
    a reviewer of it."""
    task = make_task(manager, kind="safety", name=name, minimum_seconds_per_item=0)
    add_items(manager, task, SHARED)
    annotator = make_person(f"{name.lower()}.ann", Role.ANNOTATOR)
    reviewer = make_person(f"{name.lower()}.rev", Role.REVIEWER)
    join(manager, task, annotator)
    join(manager, task, reviewer, "review")
    lease = lease_next(user=annotator, task_id=task.pk)
    lease_submit(user=annotator, lease_id=lease.pk, client_id=uuid.uuid4(),
                 label={"risk_codes": codes})
    return SafetyLabel.objects.get(lease_id=lease.pk), reviewer


def as_user(user) -> Client:
    """A client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def queries_to_get(client: Client, url: str) -> tuple[int, int]:
    """The queries a GET of ``url`` makes in the main and in the safety database."""
    with CaptureQueriesContext(connections["default"]) as main, \
            CaptureQueriesContext(connections["safety"]) as safety:
        response = client.get(url)
    assert response.status_code == 200
    return len(main), len(safety)
