"""Errors and the checks every reviewer action makes at the moment it happens."""

from django.contrib.auth.base_user import AbstractBaseUser

from annotation.models import Membership, Task
from annotation.selectors import membership_fitness
from annotation.services.tasks import TaskNotFound
from annotators.models import Credential
from config.errors import ApplicationError, NotFound

__all__ = ["ExportNotAllowed", "NotAReviewer", "ReviewConflict", "ReviewInvalid",
           "ReviewRefused", "TaskNotFound", "check_reviewer", "review_credential",
           "task_for_review"]


class NotAReviewer(NotFound):
    """Not a reviewer of the task, or no such object among theirs: the two look alike."""

    code = "not_a_reviewer"


class ReviewRefused(ApplicationError):
    code = "review_refused"
    http_status = 403


class ReviewConflict(ApplicationError):
    code = "review_conflict"
    http_status = 409


class ReviewInvalid(ApplicationError):
    code = "review_invalid"
    http_status = 400


class ExportNotAllowed(ApplicationError):
    code = "export_not_allowed"
    http_status = 403


def check_reviewer(*, user: AbstractBaseUser, task: Task) -> None:
    """Refuse unless the person reviews this task now, holds an active review credential of
    its kind and has acknowledged its rule version; one query for the three.

    :raises NotAReviewer: if the person does not review the task (now).
    :raises ReviewRefused: without the credential or the acknowledgement.
    """
    fitness = membership_fitness(user_id=user.pk, task=task,
                                 function=Membership.Function.REVIEW)
    if fitness.function != Membership.Function.REVIEW:
        raise NotAReviewer("No such task among those you review.")
    if not fitness.credential_ok:
        kind = task.credential_kind(Membership.Function.REVIEW)
        raise ReviewRefused(f"You hold no active {kind.label.lower()} credential now.")
    if not fitness.acknowledged:
        raise ReviewRefused("Read and acknowledge the task's rules before reviewing.",
                            detail={"rule_version_id": task.rule_version_id})


def review_credential(*, user: AbstractBaseUser, task: Task) -> Credential | None:
    """The review credential the person holds for the task's kind now, if active."""
    return Credential.objects.filter(
        user_id=user.pk, kind=task.credential_kind(Membership.Function.REVIEW),
        status=Credential.Status.ACTIVE).order_by("-issued_at").first()


def task_for_review(task_id: int) -> Task:
    task = Task.objects.select_related("rule_version__rule_set").filter(pk=task_id).first()
    if task is None:
        raise NotAReviewer("No such task among those you review.")
    return task
