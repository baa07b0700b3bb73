"""Builders for review tests: tasks whose batches are labelled, sampled and waiting for
checks, and reviewers who may check them. States come from the services."""

import uuid

from django.test import TestCase

from annotation.models import Batch, Lease
from annotation.services import lease_next, lease_submit
from annotators.models import Role
from review.models import Sample
from review.services import batches_sample_due, sample_check_next, sample_check_record
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.services_payloads import GOOD_FUNCTIONAL

SAFE_LABEL = {"no_risk": True}


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
