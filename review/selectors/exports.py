"""Exports: who may export which labels, and the jobs that did."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from annotation.models import Task
from annotation.selectors import task_get_for_actor
from config.errors import NotAllowed
from safety_labels.selectors import approved_labels

from ..models import ExportJob

EXPORT_LABELS = "review.export_labels"
EXPORT_SAFETY_LABELS = "review.export_safety_labels"


class ExportNotAllowed(NotAllowed):
    code = "export_not_allowed"


def require_export(*, actor: AbstractBaseUser, task: Task) -> None:
    """Refuse unless the actor may export the task's labels.

    :raises ExportNotAllowed: without the permission to export labels, or for a safety task
        without the permission of its own to export safety labels.
    """
    if not actor.has_perm(EXPORT_LABELS):
        raise ExportNotAllowed("Only managers export labels.")
    if task.is_safety and not actor.has_perm(EXPORT_SAFETY_LABELS):
        raise ExportNotAllowed("Exporting safety labels needs its own permission, which you "
                               "do not hold.")


def task_get_for_exporter(*, actor: AbstractBaseUser, task_id: int) -> Task:
    """The task, for someone who may export its labels; 404 for a task they cannot see.

    :raises ExportNotAllowed: as ``require_export``.
    """
    task = task_get_for_actor(actor=actor, task_id=task_id)
    require_export(actor=actor, task=task)
    return task


def export_list_for_task(*, task: Task) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(task=task).select_related("created_by") \
        .order_by("-created_at", "-pk")


def export_get_for_actor(*, actor: AbstractBaseUser, job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("task").filter(pk=job_id).first()
    if job is None or not actor.has_perm(EXPORT_LABELS):
        raise Http404("No such export.")
    return job


def approved_safety_label_count(*, task: Task) -> int:
    """How many of the safety task's labels are approved: at most what an export carries."""
    return approved_labels(task_id=task.pk).count()
