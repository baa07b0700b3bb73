"""Reads of the annotation app, scoped to the actor through per-task object permissions."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from .models import Batch, FunctionalLabel, ImportJob, Item, Lease, Membership, Task
from .services.common import MANAGE_TASKS

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
    return Membership.objects.filter(task=task, user=actor).values_list(
        "function", flat=True).first()


def membership_list(*, task: Task) -> QuerySet[Membership]:
    return task.memberships.select_related("user").order_by("function", "user__username")


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
