"""Who works on a task, in which one function; mirrored into per-task object permissions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from annotators.models import CredentialKind
from annotators.selectors import has_active_credential
from audit.services import record_event

from ..models import Membership, Task
from .common import TaskConflict, TaskInvalid, require_task_manager
from .work import release_leases

PERMISSION_FOR_FUNCTION = {
    Membership.Function.ANNOTATE: "annotation.annotate_task",
    Membership.Function.REVIEW: "annotation.review_task",
}


class SecondFunctionRefused(TaskConflict):
    code = "second_function_refused"


class CredentialMissing(TaskConflict):
    code = "credential_missing"


def credential_kind_for(task: Task, function: str) -> str:
    track = "safety" if task.is_safety else "functional"
    return CredentialKind(f"{track}_{function}")


@transaction.atomic(durable=True)
def membership_add(*, actor: AbstractBaseUser, task_id: int, user_id: int,
                   function: str) -> Membership:
    """Give a person one function in a task.

    :raises SecondFunctionRefused: if the person already has a function in the task.
    :raises CredentialMissing: without an active credential of the matching kind.
    """
    require_task_manager(actor)
    if function not in Membership.Function.values:
        raise TaskInvalid(f"Unknown function {function!r}: annotate or review.")
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if task is None or user is None:
        raise TaskInvalid("Unknown task or person.")
    existing = Membership.objects.filter(task=task, user=user).first()
    if existing is not None:
        raise SecondFunctionRefused(
            f"{user.get_username()} already has the function {existing.function!r} in task "
            f"{task.name!r}; one person holds one function per task.")
    kind = credential_kind_for(task, function)
    if not has_active_credential(user, kind):
        raise CredentialMissing(f"{user.get_username()} holds no active "
                                f"{kind.label.lower()} credential.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(task=task, user=user, function=function,
                                                   added_by=actor, added_at=timezone.now())
    except IntegrityError:
        raise SecondFunctionRefused(
            f"{user.get_username()} already has a function in task {task.name!r}; one person "
            "holds one function per task.") from None
    assign_perm(PERMISSION_FOR_FUNCTION[function], user, task)
    record_event(actor=actor, action="membership.added", target=membership,
                 data={"task_id": task.pk, "user_id": user.pk, "function": function})
    return membership


@transaction.atomic(durable=True)
def membership_remove(*, actor: AbstractBaseUser, membership_id: int) -> None:
    """Take a person off a task; their leases there go back to the pool."""
    require_task_manager(actor)
    membership = Membership.objects.select_related("task", "user").filter(
        pk=membership_id).first()
    if membership is None:
        raise TaskInvalid(f"There is no membership {membership_id}.")
    remove_perm(PERMISSION_FOR_FUNCTION[Membership.Function(membership.function)],
                membership.user, membership.task)
    released = release_leases(user_id=membership.user_id, task_id=membership.task_id)
    record_event(actor=actor, action="membership.removed", target=membership,
                 data={"task_id": membership.task_id, "user_id": membership.user_id,
                       "function": membership.function, "leases_released": released})
    membership.delete()
