"""Reads of the annotation app, scoped to the actor through per-task object permissions."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from annotators.models import CredentialKind
from annotators.selectors import active_credential_exists
from rules.models import RuleSet, RuleVersion
from rules.selectors import acknowledgement_exists
from safety_labels.selectors import safety_label_list_for_tasks

from .models import Batch, FunctionalLabel, ImportJob, Item, Lease, Membership, Task
from .permissions import ANNOTATE_TASK, MANAGE_TASKS, REVIEW_TASK

MEMBER_PERMISSIONS = [ANNOTATE_TASK, REVIEW_TASK]


def can_manage_tasks(actor: AbstractBaseUser) -> bool:
    return actor.is_authenticated and actor.has_perm(MANAGE_TASKS)


def task_list_for_actor(*, actor: AbstractBaseUser) -> QuerySet[Task]:
    """All tasks for managers; for anyone else, the tasks their memberships open."""
    if can_manage_tasks(actor):
        tasks = Task.objects.all()
    else:
        tasks = get_objects_for_user(actor, MEMBER_PERMISSIONS, klass=Task, any_perm=True,
                                     accept_global_perms=False, with_superuser=False)
    return tasks.select_related("rule_version__rule_set").order_by("name")


def task_get_for_actor(*, actor: AbstractBaseUser, task_id: int) -> Task:
    task = task_list_for_actor(actor=actor).filter(pk=task_id).first()
    if task is None:
        raise Http404("No such task among yours.")
    return task


def membership_function(*, actor: AbstractBaseUser, task: Task) -> str | None:
    """The actor's function in the task now; None if they hold none (or theirs ended)."""
    return _live_memberships(task_ref=task.pk, user_ref=actor.pk).values_list(
        "function", flat=True).first()


@dataclass(frozen=True)
class Fitness:
    """What every action of a task's worker re-checks when it happens (invariant 2)."""

    function: str | None
    credential_ok: bool
    acknowledged: bool


def _live_memberships(*, task_ref: Any, user_ref: Any) -> QuerySet[Membership]:
    """The person's membership in the task, unless it ended (an id or an ``OuterRef`` each)."""
    return Membership.objects.filter(task_id=task_ref, user_id=user_ref, ended_at=None)


def _credential_column(kind: CredentialKind) -> str:
    return f"credential_{kind.value}"


def _fitness_columns(*, user_ref: Any, version_ref: Any,
                     kinds: list[CredentialKind]) -> dict[str, Expression]:
    """The credential and acknowledgement checks of invariant 2 as columns of the caller's
    query: one per credential kind asked, and whether the rule version was acknowledged."""
    return {**{_credential_column(kind): active_credential_exists(user_ref=user_ref, kind=kind)
               for kind in kinds},
            "acknowledged": acknowledgement_exists(user_ref=user_ref, version_id=version_ref)}


def membership_fitness(*, user_id: int, task: Task, function: str) -> Fitness:
    """The person's live function in the task, whether they hold an active credential of the
    kind ``function`` needs there, and whether they acknowledged the task's rule version: one
    query for the three."""
    kind = task.credential_kind(function)
    row = (_live_memberships(task_ref=task.pk, user_ref=user_id)
           .annotate(**_fitness_columns(user_ref=OuterRef("user_id"),
                                        version_ref=task.rule_version_id, kinds=[kind]))
           .values_list("function", _credential_column(kind), "acknowledged").first())
    if row is None:
        return Fitness(function=None, credential_ok=False, acknowledged=False)
    function_held, credential_ok, acknowledged = row
    return Fitness(function=function_held, credential_ok=credential_ok,
                   acknowledged=acknowledged)


def lease_get_with_fitness(*, user_id: int, lease_id: int) -> tuple[Lease, Fitness] | None:
    """The person's lease with its task, rule version and item, and in the same query the
    person's ``membership_fitness`` as the task's annotator; None if the lease is not theirs.
    The task's kind, which picks the credential, comes with the row: both kinds are asked."""
    function = Membership.Function.ANNOTATE
    kinds = [CredentialKind.for_task(safety=safety, function=function) for safety in (False, True)]
    user_ref = OuterRef("user_id")
    row = (Lease.objects.select_related("task__rule_version", "item")
           .filter(pk=lease_id, user_id=user_id)
           .annotate(function=Subquery(_live_memberships(task_ref=OuterRef("task_id"),
                                                         user_ref=user_ref)
                                       .values("function")[:1]),
                     **_fitness_columns(user_ref=user_ref,
                                        version_ref=OuterRef("task__rule_version_id"),
                                        kinds=kinds))
           .first())
    if row is None:
        return None
    kind = row.task.credential_kind(function)
    return row, Fitness(function=row.function,
                        credential_ok=getattr(row, _credential_column(kind)),
                        acknowledged=row.acknowledged)


def membership_list(*, task: Task) -> QuerySet[Membership]:
    """Everyone who holds or held a function in the task; those whose membership ended
    last."""
    return task.memberships.select_related("user", "ended_by") \
        .order_by("ended_at", "function", "user__username")


def item_list_for_task(*, task: Task) -> QuerySet[Item]:
    return task.items.order_by("id")


def item_get_for_actor(*, actor: AbstractBaseUser, item_id: int) -> Item:
    item = Item.objects.select_related("task").filter(pk=item_id).first()
    if item is None:
        raise Http404("No such item.")
    task_get_for_actor(actor=actor, task_id=item.task_id)
    return item


def item_with_file_get_for_actor(*, actor: AbstractBaseUser, item_id: int) -> Item:
    """An item of the actor's tasks that carries a media file; 404 for any other."""
    item = item_get_for_actor(actor=actor, item_id=item_id)
    if not item.file:
        raise Http404("This item has no file.")
    return item


def batch_list_for_task(*, task: Task) -> QuerySet[Batch]:
    return task.batches.order_by("number")


def batch_list_with_item_counts(*, task: Task) -> QuerySet[Batch]:
    """The task's batches in order, each with ``item_count``."""
    return batch_list_for_task(task=task).annotate(item_count=Count("items"))


def task_list_with_item_counts(*, actor: AbstractBaseUser) -> QuerySet[Task]:
    """The actor's tasks (``task_list_for_actor``), each with ``item_count``."""
    return task_list_for_actor(actor=actor).annotate(item_count=Count("items", distinct=True))


def import_job_list_for_task(*, task: Task) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(task=task).order_by("-created_at", "-pk")


def import_job_get_for_actor(*, actor: AbstractBaseUser, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not can_manage_tasks(actor):
        raise Http404("No such import.")
    return job


def lease_get_for_actor(*, actor: AbstractBaseUser, lease_id: int) -> Lease:
    lease = Lease.objects.select_related("item", "task").filter(pk=lease_id, user=actor).first()
    if lease is None:
        raise Http404("No such lease among yours.")
    return lease


def label_list_for_annotator(*, actor: AbstractBaseUser, limit: int = 200) -> list[dict]:
    """The labels the actor submitted, newest first: up to ``limit`` functional ones and up
    to ``limit`` safety ones (read from the safety database by the ids of the safety tasks
    the actor sees, never by a join across the two)."""
    functional = [
        {"id": row["pk"], "kind": RuleSet.Kind.FUNCTIONAL.value, "task": row["task_id"],
         "item": row["item_id"], "submitted_at": row["submitted_at"], "status": "submitted",
         "too_fast": row["too_fast"]}
        for row in FunctionalLabel.objects.filter(annotator=actor).order_by("-submitted_at")
        .values("pk", "task_id", "item_id", "submitted_at", "too_fast")[:limit]]
    task_ids = list(task_list_for_actor(actor=actor).filter(kind=RuleSet.Kind.SAFETY)
                    .values_list("pk", flat=True))
    safety = [
        {"id": label.pk, "kind": RuleSet.Kind.SAFETY.value, "task": label.task_id,
         "item": label.item_id, "submitted_at": label.submitted_at, "status": label.status,
         "too_fast": label.too_fast}
        for label in safety_label_list_for_tasks(task_ids=task_ids,
                                                 annotator_id=actor.pk)[:limit]]
    return sorted(functional + safety, key=lambda row: row["submitted_at"], reverse=True)


def _start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def labels_today(*, actor: AbstractBaseUser, task: Task) -> int:
    """How many items the actor labelled in the task since midnight."""
    return Lease.objects.filter(user=actor, task=task, state=Lease.State.SUBMITTED,
                                closed_at__gte=_start_of_today()).count()


def task_list_for_annotator(*, actor: AbstractBaseUser) -> QuerySet[Task]:
    """The tasks the actor annotates now, each with ``labels_today``: how many items they
    labelled in it since midnight (one query for the list)."""
    done_today = (Lease.objects.filter(task_id=OuterRef("pk"), user=actor,
                                       state=Lease.State.SUBMITTED,
                                       closed_at__gte=_start_of_today())
                  .order_by().values("task_id").annotate(n=Count("pk")).values("n"))
    annotates = _live_memberships(task_ref=OuterRef("pk"), user_ref=actor.pk) \
        .filter(function=Membership.Function.ANNOTATE)
    return task_list_for_actor(actor=actor).filter(Exists(annotates)).annotate(
        labels_today=Coalesce(Subquery(done_today, output_field=IntegerField()), 0))


def exposure_minutes_today(*, user_id: int) -> float:
    """Minutes the person spent on safety items today (closed leases and the open one)."""
    now = timezone.now()
    leases = Lease.objects.filter(user_id=user_id, task__kind=RuleSet.Kind.SAFETY,
                                  started_at__gte=timezone.localtime(now).replace(
                                      hour=0, minute=0, second=0, microsecond=0))
    closed = leases.exclude(closed_at=None).annotate(spent=F("closed_at") - F("started_at")) \
        .aggregate(total=Sum("spent"))["total"] or timedelta()
    open_spent = sum(((now - started) for started in leases.filter(
        closed_at=None, state=Lease.State.ACTIVE).values_list("started_at", flat=True)),
        timedelta())
    return (closed + open_spent).total_seconds() / 60


def risk_definitions(*, version: RuleVersion) -> dict[str, str]:
    """Each risk category's definition in the rule version, by the category's code."""
    return dict(version.risk_rules.values_list("category__code", "definition"))


@dataclass(frozen=True)
class Capacity:
    """Whether a task's annotators can make its remaining labels by its deadline, at the
    expected time per item and their hours a day (clause a.4)."""

    task: Task
    deadline_at: datetime | None
    remaining_labels: int
    annotators: int
    now: datetime

    @property
    def need_hours(self) -> Decimal:
        return Decimal(self.remaining_labels * self.task.expected_seconds_per_item) / 3600

    @property
    def days(self) -> Decimal:
        return Decimal((self.deadline_at - self.now).total_seconds()) / 86400 \
            if self.deadline_at else Decimal(0)

    @property
    def have_hours(self) -> Decimal:
        return self.days * self.annotators * Decimal(self.task.working_hours_per_day)

    @property
    def problem(self) -> str | None:
        if self.deadline_at is None:
            return None
        if self.deadline_at <= self.now:
            return (f"The deadline {timezone.localtime(self.deadline_at):%Y-%m-%d %H:%M} is "
                    "in the past." if self.remaining_labels or not self.task.pk else None)
        if self.need_hours <= self.have_hours:
            return None
        return (f"Infeasible deadline: {self.remaining_labels} labels still to make × "
                f"{self.task.expected_seconds_per_item} s need {self.need_hours:.1f} hours, "
                f"but {self.days:.1f} days × {self.annotators} annotator(s) × "
                f"{self.task.working_hours_per_day} hours a day give {self.have_hours:.1f} "
                "hours. Move the deadline, add annotators, or lower the labels per item.")

    def figures(self) -> dict[str, str]:
        return {"remaining_labels": str(self.remaining_labels),
                "expected_seconds_per_item": str(self.task.expected_seconds_per_item),
                "need_hours": f"{self.need_hours:.1f}", "annotators": str(self.annotators),
                "days": f"{self.days:.1f}",
                "hours_per_day": str(self.task.working_hours_per_day),
                "have_hours": f"{self.have_hours:.1f}"}


def _remaining_labels(task_ids: list[int]) -> dict[int, int]:
    """Labels still to make per task: on every item not invalidated, what its task's labels
    per item ask for beyond those done. One grouped query."""
    return dict(Item.objects.filter(task_id__in=task_ids)
                .exclude(batch__state=Batch.State.INVALIDATED)
                .values_list("task_id")
                .annotate(remaining=Sum(Greatest(F("task__labels_per_item") - F("labels_done"),
                                                 Value(0)))))


def _annotator_counts(task_ids: list[int]) -> dict[int, int]:
    """Annotators per task who may work now: a live membership and an active credential of
    the task's kind (a suspended or expired one adds no hours)."""
    user, function = OuterRef("user_id"), Membership.Function.ANNOTATE
    fit = Q()
    for kind in RuleSet.Kind:
        credential = CredentialKind.for_task(safety=kind == RuleSet.Kind.SAFETY,
                                             function=function)
        fit |= Q(task__kind=kind) & Q(active_credential_exists(user_ref=user, kind=credential))
    return dict(Membership.objects.filter(task_id__in=task_ids, ended_at=None,
                                          function=Membership.Function.ANNOTATE).filter(fit)
                .values_list("task_id").annotate(n=Count("pk")))


def task_capacity(*, task: Task, deadline_at: datetime | None = None) -> Capacity:
    """The capacity check of one task against ``deadline_at`` (a deadline being set, or
    the task's own)."""
    remaining = _remaining_labels([task.pk]).get(task.pk, 0) if task.pk else 0
    annotators = _annotator_counts([task.pk]).get(task.pk, 0) if task.pk else 0
    return Capacity(task=task, deadline_at=deadline_at, remaining_labels=remaining,
                    annotators=annotators, now=timezone.now())


def capacity_shortfalls(*, tasks: list[Task]) -> list[Capacity]:
    """The tasks among ``tasks`` that cannot meet their deadline; two queries in all."""
    open_tasks = [task for task in tasks if task.deadline_at is not None
                  and task.state != Task.State.CLOSED]
    ids = [task.pk for task in open_tasks]
    remaining, annotators, now = _remaining_labels(ids), _annotator_counts(ids), timezone.now()
    capacities = [Capacity(task=task, deadline_at=task.deadline_at,
                           remaining_labels=remaining.get(task.pk, 0),
                           annotators=annotators.get(task.pk, 0), now=now)
                  for task in open_tasks]
    return [capacity for capacity in capacities if capacity.problem]
