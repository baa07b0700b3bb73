"""Who reads what in review: managers everything, a task's reviewers its samples, checks and
decisions."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404

from annotation.models import Membership, Task
from annotation.selectors import can_manage_tasks, membership_function, task_get_for_actor

ADJUDICATE = "review.adjudicate_safety_labels"


def task_get_for_review_reader(*, actor: AbstractBaseUser, task_id: int) -> Task:
    """The task, for a manager or one of its reviewers; 404 for anyone else."""
    task = task_get_for_actor(actor=actor, task_id=task_id)
    if not can_manage_tasks(actor) and \
            membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such task among those you review.")
    return task


def can_adjudicate(*, actor: AbstractBaseUser) -> bool:
    """Whether the actor rules on safety labels escalated to managers."""
    return actor.has_perm(ADJUDICATE)
