"""Errors and the checks every reviewer action makes at the moment it happens."""

from django.contrib.auth.base_user import AbstractBaseUser

from annotation.models import Membership, Task
from annotation.selectors import membership_fitness
from annotation.services.tasks import TaskNotFound
from annotators.models import Credential
from annotators.selectors import active_credential_get
from config.errors import NotAllowed, NotFound

from ..selectors import ExportNotAllowed

__all__ = ["ExportNotAllowed", "NotAReviewer", "ReviewCredentialInactive",
           "RulesNotAcknowledged", "TaskNotFound", "check_reviewer", "review_credential",
           "task_for_review"]


class NotAReviewer(NotFound):
    """Not a reviewer of the task, or no such object among theirs: the two look alike."""

    code = "not_a_reviewer"


class ReviewCredentialInactive(NotAllowed):
    code = "review_credential_inactive"


class RulesNotAcknowledged(NotAllowed):
    code = "acknowledgement_required"


def check_reviewer(*, user: AbstractBaseUser, task: Task) -> None:
    """Refuse unless the person reviews this task now, holds an active review credential of
    its kind and has acknowledged its rule version; one query for the three.

    :raises NotAReviewer: if the person does not review the task (now).
    :raises ReviewCredentialInactive: without an active review credential of the task's kind.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rule version.
    """
    fitness = membership_fitness(user_id=user.pk, task=task,
                                 function=Membership.Function.REVIEW)
    if fitness.function != Membership.Function.REVIEW:
        raise NotAReviewer("No such task among those you review.")
    if not fitness.credential_ok:
        kind = task.credential_kind(Membership.Function.REVIEW)
        raise ReviewCredentialInactive(f"You hold no active {kind.label.lower()} credential "
                                       "now.")
    if not fitness.acknowledged:
        raise RulesNotAcknowledged("Read and acknowledge the task's rules before reviewing.",
                                   detail={"rule_version_id": task.rule_version_id})


def review_credential(*, user: AbstractBaseUser, task: Task) -> Credential | None:
    """The review credential the person holds for the task's kind now, if active."""
    return active_credential_get(user_id=user.pk,
                                 kind=task.credential_kind(Membership.Function.REVIEW))


def task_for_review(*, task_id: int) -> Task:
    """The task with its rules, for a reviewer's action on it.

    :raises NotAReviewer: if there is no such task (told apart from one the person does not
        review by nobody).
    """
    task = Task.objects.select_related("rule_version__rule_set").filter(pk=task_id).first()
    if task is None:
        raise NotAReviewer("No such task among those you review.")
    return task
