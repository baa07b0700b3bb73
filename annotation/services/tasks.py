"""Tasks: created on a published rule version, run through draft, active, paused, closed.

A task's approvals, time per item and sampling plan come from its rule version (clause b.1's
quality indicators); a task may make them stricter, never looser.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from audit.services import record_event
from config.errors import Conflict, Invalid, NotFound, full_clean_or_raise
from config.transactions import transaction_required
from rules.models import AQL_VALUES, InspectionLevel, RuleVersion, SamplingScheme

from ..models import Batch, Task
from ..selectors import task_capacity
from .common import TaskClosed, TaskInvalid, require_task_manager
from .locks import task_qs_select_for_update

EDITABLE = {"name", "labels_per_item", "required_approvals", "expected_seconds_per_item",
            "minimum_seconds_per_item", "lease_multiple", "batch_size", "deadline_at",
            "working_hours_per_day", "daily_exposure_cap_minutes", "break_reminder_minutes",
            "instructions", "aql", "inspection_level", "sample_rate", "sample_minimum",
            "tightened_switching"}
# From the fewest items sampled to the most (ISO 2859-1, Table 1).
INSPECTION_ORDER = [InspectionLevel.S1, InspectionLevel.S2, InspectionLevel.S3,
                    InspectionLevel.S4, InspectionLevel.I, InspectionLevel.II,
                    InspectionLevel.III]


class DeadlineInfeasible(Conflict):
    """The task's annotators cannot make its remaining labels by the deadline (clause a.4)."""

    code = "deadline_infeasible"


class LooserThanRules(Invalid):
    """A setting asks for less than the task's rule version does."""

    code = "looser_than_rules"


class TaskNotFound(NotFound):
    code = "task_not_found"


class RuleVersionNotPublished(Invalid):
    code = "rule_version_not_published"


class RuleVersionKindMismatch(Invalid):
    """The rule version is of the other kind (functional or safety) than the task."""

    code = "rule_version_kind_mismatch"


class TaskStateRefused(Conflict):
    """The task's state machine has no step from where it is to the state asked for."""

    code = "task_state_refused"


def _capacity_problem(task: Task, deadline_at: datetime | None) -> str | None:
    """Say why the deadline cannot be met by the task's annotators, or None if it can."""
    return task_capacity(task=task, deadline_at=deadline_at).problem


def _clean(task: Task) -> None:
    full_clean_or_raise(task, TaskInvalid, exclude=["created_by", "rule_version"])


def looser_than_rules(task: Task, version: RuleVersion) -> dict[str, list[str]]:
    """Each setting of the task that is looser than its rule version's, with why."""
    rules = f"The rules ({version.rule_set.name} v{version.number})"
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(f"{rules} {message}")

    if version.required_approvals and task.required_approvals < version.required_approvals:
        refuse("required_approvals", f"ask for {version.required_approvals} approvals of each "
                                     "safety label; a task may ask for more, never fewer.")
    for field, what in (("expected_seconds_per_item", "expected time"),
                        ("minimum_seconds_per_item", "minimum time")):
        floor = getattr(version, field)
        if floor and getattr(task, field) < floor:
            refuse(field, f"set the {what} per item to {floor} s; a task may give more time, "
                          "never less.")
    iso = version.sampling_scheme == SamplingScheme.ISO_2859_1
    if not iso and (task.aql or task.inspection_level):
        refuse("aql" if task.aql else "inspection_level",
               "sample at a fixed rate; an AQL or inspection level does not apply.")
    if iso and (task.sample_rate is not None or task.sample_minimum is not None):
        refuse("sample_rate" if task.sample_rate is not None else "sample_minimum",
               "sample by ISO 2859-1; a fixed rate does not apply.")
    if iso and task.aql and version.aql and \
            AQL_VALUES.index(task.aql) > AQL_VALUES.index(version.aql):
        refuse("aql", f"accept at an AQL of {version.aql}; a task may set a lower AQL, never a "
                      "higher one.")
    version_level = version.inspection_level or InspectionLevel.II
    if iso and task.inspection_level and \
            INSPECTION_ORDER.index(task.inspection_level) < INSPECTION_ORDER.index(version_level):
        refuse("inspection_level", f"inspect at level {version_level}; a task may inspect at "
                                   "a level that samples more, never fewer.")
    if not iso:
        if task.sample_rate is not None and version.sample_rate is not None and \
                task.sample_rate < version.sample_rate:
            refuse("sample_rate", f"sample {version.sample_rate} of each batch; a task may "
                                  "sample more, never less.")
        if task.sample_minimum is not None and version.sample_minimum is not None and \
                task.sample_minimum < version.sample_minimum:
            refuse("sample_minimum", f"sample at least {version.sample_minimum} items; a task "
                                     "may sample more, never fewer.")
    return errors


def _refuse_if_looser(task: Task, version: RuleVersion) -> None:
    if errors := looser_than_rules(task, version):
        raise LooserThanRules("The task's settings are looser than its rules allow; see "
                              "detail.", detail=errors)


def _published_version(rule_version_id: int, kind: str | None = None) -> RuleVersion:
    version = RuleVersion.objects.select_related("rule_set").filter(pk=rule_version_id).first()
    if version is None or version.status != RuleVersion.Status.PUBLISHED:
        raise RuleVersionNotPublished(
            "A task works under a published rule version; this one is not.",
            detail={"rule_version": ["Choose a published rule version."]})
    if kind is not None and version.rule_set.kind != kind:
        raise RuleVersionKindMismatch(f"A {kind} task needs {kind} rules; this version is "
                                      f"{version.rule_set.kind}.",
                                      detail={"rule_version": [f"Choose {kind} rules."]})
    return version


@transaction.atomic(durable=True)
def task_create(*, actor: AbstractBaseUser, name: str, rule_version_id: int,
                **fields: Any) -> Task:
    """Create a draft task pinned to a published rule version; timings, approvals and the
    sampling plan default to the version's quality indicators.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises TaskInvalid: for unknown fields or invalid values.
    :raises RuleVersionNotPublished: if the rule version does not exist or is not published.
    :raises LooserThanRules: if a setting is looser than the rule version's.
    :raises DeadlineInfeasible: if the deadline cannot be met.
    """
    require_task_manager(actor=actor)
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise TaskInvalid(f"Unknown task fields: {', '.join(unknown)}.")
    version = _published_version(rule_version_id)
    defaults = {"expected_seconds_per_item": version.expected_seconds_per_item,
                "minimum_seconds_per_item": version.minimum_seconds_per_item,
                "required_approvals": version.required_approvals or 1}
    task = Task(name=name, kind=version.rule_set.kind, rule_version=version, created_by=actor,
                **{**{k: v for k, v in defaults.items() if v is not None},
                   **{k: v for k, v in fields.items() if v is not None}})
    _clean(task)
    _refuse_if_looser(task, version)
    if problem := _capacity_problem(task, task.deadline_at):
        raise DeadlineInfeasible(problem)
    task.save()
    record_event(actor=actor, action="task.created", target=task,
                 data={"name": name, "rule_version_id": version.pk, "kind": task.kind})
    return task


def task_lock(*, task_id: int) -> Task:
    """The task, locked for a change of its settings or state (its row only), with its rule
    version and rule set.

    :raises TaskNotFound: if there is no such task.
    """
    task = task_qs_select_for_update().select_related("rule_version__rule_set") \
        .filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound(f"There is no task {task_id}.")
    return task


@transaction.atomic(durable=True)
def task_update(*, actor: AbstractBaseUser, task_id: int, changes: dict[str, Any]) -> Task:
    """Change a task's settings; a new or changed deadline must be feasible, and nothing may
    become looser than the rule version.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises TaskInvalid: for unknown fields or invalid values.
    :raises TaskNotFound: if there is no such task.
    :raises TaskClosed: if the task is closed.
    :raises LooserThanRules: if a setting would be looser than the rule version's.
    :raises DeadlineInfeasible: if a changed deadline cannot be met.
    """
    require_task_manager(actor=actor)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise TaskInvalid(f"Unknown task fields: {', '.join(unknown)}.")
    task = task_lock(task_id=task_id)
    if task.state == Task.State.CLOSED:
        raise TaskClosed(f"Task {task.name!r} is closed.")
    changed = [name for name, value in changes.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, changes[name])
    _clean(task)
    _refuse_if_looser(task, task.rule_version)
    if "deadline_at" in changed and (problem := _capacity_problem(task, task.deadline_at)):
        raise DeadlineInfeasible(problem)
    if changed:
        task.save(update_fields=changed)
        record_event(actor=actor, action="task.updated", target=task,
                     data={name: str(changes[name]) for name in changed})
        if {"working_hours_per_day", "labels_per_item", "expected_seconds_per_item"} & \
                set(changed):
            capacity_recheck(task=task, actor=actor, reason="settings changed")
    return task


@transaction_required
def capacity_recheck(*, task: Task, actor: AbstractBaseUser | None, reason: str) -> str | None:
    """Check again, in the caller's transaction, whether the task's annotators can finish by
    its deadline; a shortfall is audited with its numbers and returned (pages show it live)."""
    capacity = task_capacity(task=task, deadline_at=task.deadline_at)
    if capacity.problem and task.deadline_at is not None:
        record_event(actor=actor, action="task.capacity_short", target=task,
                     data={"reason": reason, **capacity.figures()})
    return capacity.problem


@transaction.atomic(durable=True)
def task_set_state(*, actor: AbstractBaseUser, task_id: int, state: str) -> Task:
    """Activate, pause, resume or close a task.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises TaskNotFound: if there is no such task.
    :raises TaskStateRefused: if the task cannot move to ``state`` from where it is (an
        unknown state included).
    """
    require_task_manager(actor=actor)
    task = task_lock(task_id=task_id)
    if task.state == state:
        return task
    if not task.can_transition_to(state):
        raise TaskStateRefused(f"Task {task.name!r} is {task.state}; it cannot become {state}.")
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


def _tighten_to(task: Task, version: RuleVersion) -> dict[str, str]:
    """Raise each setting of the task that is looser than ``version``'s to the version's, and
    drop sampling settings the version's scheme does not use. Returns what changed."""
    raised: dict[str, str] = {}
    for field in ("required_approvals", "expected_seconds_per_item", "minimum_seconds_per_item"):
        floor = getattr(version, field)
        if floor and getattr(task, field) < floor:
            raised[field] = f"{getattr(task, field)} -> {floor}"
            setattr(task, field, floor)
    if task.expected_seconds_per_item < task.minimum_seconds_per_item:
        raised["expected_seconds_per_item"] = \
            f"{task.expected_seconds_per_item} -> {task.minimum_seconds_per_item}"
        task.expected_seconds_per_item = task.minimum_seconds_per_item
    for field in looser_than_rules(task, version):
        if field in ("aql", "inspection_level", "sample_rate", "sample_minimum"):
            raised[field] = f"{getattr(task, field)} -> the rules' own"
            setattr(task, field, None if field in ("sample_rate", "sample_minimum") else "")
    return raised


@transaction.atomic(durable=True)
def task_move_rule_version(*, actor: AbstractBaseUser, task_id: int,
                           rule_version_id: int) -> Task:
    """Move a task to another published version of its kind: an explicit, audited step.
    Settings looser than the new version's are raised to it, and the audit event says which.
    Workers acknowledge the new version before their next item.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises TaskNotFound: if there is no such task.
    :raises RuleVersionNotPublished: if the version does not exist or is not published.
    :raises RuleVersionKindMismatch: if the version is of the other kind than the task.
    """
    require_task_manager(actor=actor)
    task = task_lock(task_id=task_id)
    version = _published_version(rule_version_id, kind=task.kind)
    if version.pk == task.rule_version_id:
        return task
    previous = task.rule_version_id
    task.rule_version = version
    raised = _tighten_to(task, version)
    task.save(update_fields=["rule_version", *raised])
    record_event(actor=actor, action="task.rule_version_moved", target=task,
                 data={"from": previous, "to": version.pk, "raised": raised})
    return task
