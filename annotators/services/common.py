"""Shared by the workforce services: the permission check and the error it raises."""

from django.contrib.auth.base_user import AbstractBaseUser

from config.errors import ApplicationError

MANAGE_WORKFORCE = "annotators.manage_workforce"


class WorkforcePermissionDenied(ApplicationError):
    code = "not_allowed"
    http_status = 403


class WorkforceInvalid(ApplicationError):
    code = "invalid"
    http_status = 400


def require_workforce_manager(actor: AbstractBaseUser) -> None:
    if not actor.has_perm(MANAGE_WORKFORCE):
        raise WorkforcePermissionDenied("Only managers may train, examine and credential people.")
