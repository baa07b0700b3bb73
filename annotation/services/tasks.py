"""Tasks: created on a published rule version, run through draft, active, paused, closed."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import full_clean_or_raise
from rules.models import RuleVersion

from ..models import Batch, Item, Membership, Task
from .common import TaskConflict, TaskInvalid, require_task_manager

EDITABLE = {"name", "labels_per_item", "required_approvals", "expected_seconds_per_item",
            "minimum_seconds_per_item", "lease_multiple", "batch_size", "deadline_at",
            "working_hours_per_day", "daily_exposure_cap_minutes", "break_reminder_minutes",
            "instructions"}


class DeadlineInfeasible(TaskConflict):
    code = "deadline_infeasible"


def capacity_problem(task: Task, deadline_at: datetime | None) -> str | None:
    """Say why the deadline cannot be met by the task's annotators, or None if it can."""
    if deadline_at is None:
        return None
    now = timezone.now()
    if deadline_at <= now:
        return f"The deadline {deadline_at:%Y-%m-%d %H:%M} is in the past."
    remaining_labels = sum(
        max(task.labels_per_item - done, 0)
        for done in Item.objects.filter(task=task).values_list("labels_done", flat=True)
    ) if task.pk else 0
    need_hours = Decimal(remaining_labels * task.expected_seconds_per_item) / 3600
    annotators = Membership.objects.filter(task=task, function="annotate").count() \
        if task.pk else 0
    days = Decimal((deadline_at - now).total_seconds()) / 86400
    have_hours = days * annotators * task.working_hours_per_day
    if need_hours <= have_hours:
        return None
    return (f"Infeasible deadline: {remaining_labels} labels still to make × "
            f"{task.expected_seconds_per_item} s need {need_hours:.1f} hours, but "
            f"{days:.1f} days × {annotators} annotator(s) × {task.working_hours_per_day} hours "
            f"a day give {have_hours:.1f} hours. Move the deadline, add annotators, or lower "
            "the labels per item.")


def _clean(task: Task) -> None:
    full_clean_or_raise(task, TaskInvalid, exclude=["created_by", "rule_version"])


def _published_version(rule_version_id: int, kind: str | None = None) -> RuleVersion:
    version = RuleVersion.objects.select_related("rule_set").filter(pk=rule_version_id).first()
    if version is None or version.status != RuleVersion.Status.PUBLISHED:
        raise TaskInvalid("A task works under a published rule version; this one is not.")
    if kind is not None and version.rule_set.kind != kind:
        raise TaskInvalid(f"A {kind} task needs {kind} rules; this version is "
                          f"{version.rule_set.kind}.")
    return version


@transaction.atomic(durable=True)
def task_create(*, actor: AbstractBaseUser, name: str, rule_version_id: int,
                **fields: Any) -> Task:
    """Create a draft task pinned to a published rule version; timings and approvals default
    to the version's quality indicators."""
    require_task_manager(actor)
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise TaskInvalid(f"Unknown task fields: {', '.join(unknown)}.")
    version = _published_version(rule_version_id)
    defaults = {"expected_seconds_per_item": version.expected_seconds_per_item,
                "minimum_seconds_per_item": version.minimum_seconds_per_item,
                "required_approvals": version.required_approvals or 1}
    task = Task(name=name, kind=version.rule_set.kind, rule_version=version, created_by=actor,
                **{**defaults, **{k: v for k, v in fields.items() if v is not None}})
    _clean(task)
    if problem := capacity_problem(task, task.deadline_at):
        raise DeadlineInfeasible(problem)
    task.save()
    record_event(actor=actor, action="task.created", target=task,
                 data={"name": name, "rule_version_id": version.pk, "kind": task.kind})
    return task


def _lock(task_id: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise TaskInvalid(f"There is no task {task_id}.")
    return task


@transaction.atomic(durable=True)
def task_update(*, actor: AbstractBaseUser, task_id: int, changes: dict[str, Any]) -> Task:
    """Change a task's settings; a new or changed deadline must be feasible."""
    require_task_manager(actor)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise TaskInvalid(f"Unknown task fields: {', '.join(unknown)}.")
    task = _lock(task_id)
    if task.state == Task.State.CLOSED:
        raise TaskConflict(f"Task {task.name!r} is closed.")
    changed = [name for name, value in changes.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, changes[name])
    _clean(task)
    if "deadline_at" in changed and (problem := capacity_problem(task, task.deadline_at)):
        raise DeadlineInfeasible(problem)
    if changed:
        task.save(update_fields=changed)
        record_event(actor=actor, action="task.updated", target=task,
                     data={name: str(changes[name]) for name in changed})
    return task


@transaction.atomic(durable=True)
def task_set_state(*, actor: AbstractBaseUser, task_id: int, state: str) -> Task:
    """Activate, pause, resume or close a task."""
    require_task_manager(actor)
    task = _lock(task_id)
    if task.state == state:
        return task
    if not task.can_transition_to(state):
        raise TaskConflict(f"Task {task.name!r} is {task.state}; it cannot become {state}.")
    previous = task.state
    task.state = state
    task.save(update_fields=["state"])
    record_event(actor=actor, action="task.state_changed", target=task,
                 data={"from": previous, "to": state})
    if state == Task.State.ACTIVE:
        opened = Batch.objects.filter(task=task, state=Batch.State.OPEN)
        numbers = sorted(opened.values_list("number", flat=True))
        if numbers:
            opened.update(state=Batch.State.ANNOTATING)
            record_event(actor=actor, action="batch.annotating", target=task,
                         data={"batches": numbers, "from": Batch.State.OPEN})
    return task


@transaction.atomic(durable=True)
def task_move_rule_version(*, actor: AbstractBaseUser, task_id: int,
                           rule_version_id: int) -> Task:
    """Move a task to another published version of its kind: an explicit, audited step.
    Workers acknowledge the new version before their next item."""
    require_task_manager(actor)
    task = _lock(task_id)
    version = _published_version(rule_version_id, kind=task.kind)
    if version.pk == task.rule_version_id:
        return task
    previous = task.rule_version_id
    task.rule_version = version
    task.save(update_fields=["rule_version"])
    record_event(actor=actor, action="task.rule_version_moved", target=task,
                 data={"from": previous, "to": version.pk})
    return task
