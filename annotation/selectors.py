"""Reads of the annotation app, scoped to the actor through per-task object permissions."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from annotators.models import CredentialKind
from annotators.selectors import active_credential_exists
from rules.models import RuleSet
from rules.selectors import acknowledgement_exists

from .models import Batch, FunctionalLabel, ImportJob, Item, Lease, Membership, Task
from .permissions import MANAGE_TASKS

MEMBER_PERMISSIONS = ["annotation.annotate_task", "annotation.review_task"]


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
    return Membership.objects.filter(task=task, user=actor, ended_at=None).values_list(
        "function", flat=True).first()


@dataclass(frozen=True)
class Fitness:
    """What every action of a task's worker re-checks when it happens (invariant 2)."""

    function: str | None
    credential_ok: bool
    acknowledged: bool


def membership_fitness(*, user_id: int, task: Task, function: str) -> Fitness:
    """The person's live function in the task, whether they hold an active credential of the
    kind ``function`` needs there, and whether they acknowledged the task's rule version: one
    query for the three."""
    row = (Membership.objects.filter(task_id=task.pk, user_id=user_id, ended_at=None)
           .annotate(credential=active_credential_exists(user_ref=OuterRef("user_id"),
                                                         kind=task.credential_kind(function)),
                     acknowledged=acknowledgement_exists(user_ref=OuterRef("user_id"),
                                                         version_id=task.rule_version_id))
           .values_list("function", "credential", "acknowledged").first())
    if row is None:
        return Fitness(function=None, credential_ok=False, acknowledged=False)
    return Fitness(*row)


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


def batch_list_for_task(*, task: Task) -> QuerySet[Batch]:
    return task.batches.order_by("number")


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


def functional_labels_of(*, actor: AbstractBaseUser) -> QuerySet[FunctionalLabel]:
    return FunctionalLabel.objects.filter(annotator=actor).select_related("task") \
        .order_by("-submitted_at")


def labels_today(*, actor: AbstractBaseUser, task: Task) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Lease.objects.filter(user=actor, task=task, state=Lease.State.SUBMITTED,
                                closed_at__gte=start).count()


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
    user = OuterRef("user_id")
    fit = (Q(task__kind=RuleSet.Kind.FUNCTIONAL)
           & Q(active_credential_exists(user_ref=user, kind=CredentialKind.FUNCTIONAL_ANNOTATE))
           | Q(task__kind=RuleSet.Kind.SAFETY)
           & Q(active_credential_exists(user_ref=user, kind=CredentialKind.SAFETY_ANNOTATE)))
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
