"""Errors and checks shared by the annotation services."""

from django.contrib.auth.base_user import AbstractBaseUser

from config.errors import Conflict, Invalid, NotAllowed

from ..permissions import MANAGE_TASKS


class TaskPermissionDenied(NotAllowed):
    """The actor may not create or run tasks: a manager's work."""

    code = "task_manager_required"


class TaskInvalid(Invalid):
    """A task's settings are wrong: an unknown field or a value out of bounds."""

    code = "task_settings_invalid"


class TaskClosed(Conflict):
    """The task is closed: nothing in it changes any more."""

    code = "task_closed"


def require_task_manager(*, actor: AbstractBaseUser) -> None:
    """Refuse anyone who may not create and run tasks.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    """
    if not actor.has_perm(MANAGE_TASKS):
        raise TaskPermissionDenied("Only managers may create and run tasks.")
