"""Who works on a task, in which one function; mirrored into per-task object permissions.

A membership is kept for good (clause a.3): taking someone off a task ends it, and the person
can come back only in the function they had, never in the other one.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from annotators.selectors import has_active_credential
from audit.services import record_event
from config.errors import Conflict, Invalid, NotFound

from ..models import Membership, Task
from ..permissions import ANNOTATE_TASK, REVIEW_TASK
from .common import require_task_manager
from .leases import leases_release
from .locks import membership_qs_select_for_update, task_qs_select_for_update
from .tasks import capacity_recheck

PERMISSION_FOR_FUNCTION = {
    Membership.Function.ANNOTATE: ANNOTATE_TASK,
    Membership.Function.REVIEW: REVIEW_TASK,
}


class SecondFunctionRefused(Conflict):
    """The person holds, or held, a function in the task: one function per task, for good."""

    code = "second_function_refused"


class CredentialMissing(Conflict):
    code = "credential_missing"


class FunctionUnknown(Invalid):
    code = "function_unknown"


class MembershipNotFound(NotFound):
    code = "membership_not_found"


class TaskOrPersonNotFound(NotFound):
    code = "task_or_person_not_found"


def _second_function(user, task: Task, existing: Membership | None,
                     function: str) -> SecondFunctionRefused:
    held = existing.function if existing is not None else function
    if existing is not None and existing.ended_at is not None:
        when = f"held the function {held!r} in task {task.name!r} until " \
               f"{existing.ended_at:%Y-%m-%d}"
    else:
        when = f"already has the function {held!r} in task {task.name!r}"
    return SecondFunctionRefused(f"{user.get_username()} {when}; one person holds one "
                                 "function per task, for good.")


@transaction.atomic(durable=True)
def membership_add(*, actor: AbstractBaseUser, task_id: int, user_id: int,
                   function: str) -> Membership:
    """Give a person one function in a task, or give back the function they held there.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises FunctionUnknown: for a function other than annotate or review.
    :raises TaskOrPersonNotFound: if the task or the person does not exist.
    :raises SecondFunctionRefused: if the person holds, or ever held, another function in
        the task, or holds this one already.
    :raises CredentialMissing: without an active credential of the matching kind.
    """
    require_task_manager(actor=actor)
    if function not in Membership.Function.values:
        raise FunctionUnknown(f"Unknown function {function!r}: annotate or review.",
                          detail={"function": ["Annotate or review."]})
    # The task's lock orders the membership changes of one task: the second of two
    # concurrent requests finds the membership the first one made.
    task = task_qs_select_for_update().filter(pk=task_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if task is None or user is None:
        raise TaskOrPersonNotFound("Unknown task or person.")
    existing = membership_qs_select_for_update().filter(task=task, user=user).first()
    if existing is not None and (existing.function != function or existing.ended_at is None):
        raise _second_function(user, task, existing, function)
    kind = task.credential_kind(function)
    if not has_active_credential(user, kind):
        raise CredentialMissing(f"{user.get_username()} holds no active "
                                f"{kind.label.lower()} credential.")
    if existing is not None:
        existing.ended_at = None
        existing.ended_by = None
        existing.save(update_fields=["ended_at", "ended_by"])
        membership, action = existing, "membership.resumed"
    else:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(task=task, user=user, function=function,
                                                       added_by=actor, added_at=timezone.now())
        except IntegrityError:
            # A concurrent request gave the person a function first.
            raise _second_function(user, task, Membership.objects.filter(
                task=task, user=user).first(), function) from None
        action = "membership.added"
    assign_perm(PERMISSION_FOR_FUNCTION[function], user, task)
    record_event(actor=actor, action=action, target=membership,
                 data={"task_id": task.pk, "user_id": user.pk, "function": function})
    return membership


@transaction.atomic(durable=True)
def membership_remove(*, actor: AbstractBaseUser, membership_id: int,
                      task_id: int | None = None) -> Membership:
    """Take a person off a task: the membership ends and is kept, and their leases there go
    back to the pool. Ending an ended membership changes nothing.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises MembershipNotFound: if there is no such membership (in ``task_id``, if given).
    """
    require_task_manager(actor=actor)
    memberships = membership_qs_select_for_update().select_related("task", "user") \
        .filter(pk=membership_id)
    if task_id is not None:
        memberships = memberships.filter(task_id=task_id)
    membership = memberships.first()
    if membership is None:
        raise MembershipNotFound(f"There is no membership {membership_id}"
                                 + (f" in task {task_id}." if task_id is not None else "."))
    if membership.ended_at is not None:
        return membership
    remove_perm(PERMISSION_FOR_FUNCTION[Membership.Function(membership.function)],
                membership.user, membership.task)
    released = leases_release(user_id=membership.user_id, task_id=membership.task_id)
    membership.ended_at = timezone.now()
    membership.ended_by = actor
    membership.save(update_fields=["ended_at", "ended_by"])
    record_event(actor=actor, action="membership.removed", target=membership,
                 data={"task_id": membership.task_id, "user_id": membership.user_id,
                       "function": membership.function, "leases_released": released})
    if membership.function == Membership.Function.ANNOTATE:
        capacity_recheck(task=membership.task, actor=actor,
                         reason=f"{membership.user.get_username()} left the task")
    return membership
