"""Shared by the workforce services: the permission check, validation, and their errors."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

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


def clean_or_refuse(instance: models.Model, **kwargs) -> None:
    """Run the model's validation; refuse with every problem in the message and, by field,
    in the detail.

    :raises WorkforceInvalid: if any value is invalid.
    """
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        problems = []
        for name, messages in error.message_dict.items():
            if name == NON_FIELD_ERRORS:
                problems.extend(messages)
                continue
            label = str(instance._meta.get_field(name).verbose_name)
            problems.extend(f"{label[0].upper()}{label[1:]}: {message}" for message in messages)
        raise WorkforceInvalid(" ".join(problems), detail=error.message_dict) from None
