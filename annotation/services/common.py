"""Errors and checks shared by the annotation services."""

from django.contrib.auth.base_user import AbstractBaseUser

from config.errors import ApplicationError

from ..permissions import MANAGE_TASKS


class TaskPermissionDenied(ApplicationError):
    code = "not_allowed"
    http_status = 403


class TaskInvalid(ApplicationError):
    code = "invalid"
    http_status = 400


class TaskConflict(ApplicationError):
    code = "conflict"
    http_status = 409


def require_task_manager(actor: AbstractBaseUser) -> None:
    if not actor.has_perm(MANAGE_TASKS):
        raise TaskPermissionDenied("Only managers may create and run tasks.")
