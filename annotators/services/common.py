"""Shared by the workforce services: the permission check, validation, and their errors."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from config.errors import Invalid, NotAllowed, NotFound

MANAGE_WORKFORCE = "annotators.manage_workforce"


class WorkforcePermissionDenied(NotAllowed):
    code = "workforce_manager_required"


class WorkforceInvalid(Invalid):
    """A value a workforce service refuses. Raised through a subclass whose ``code`` names
    the value; catching this catches them all."""


class PersonNotFound(NotFound):
    code = "person_not_found"


def require_workforce_manager(*, actor: AbstractBaseUser) -> None:
    """Refuse anyone who may not train, examine and credential people.

    :raises WorkforcePermissionDenied: if ``actor`` lacks the workforce permission.
    """
    if not actor.has_perm(MANAGE_WORKFORCE):
        raise WorkforcePermissionDenied("Only managers may train, examine and credential people.")


def clean_or_refuse(*, instance: models.Model, error: type[WorkforceInvalid],
                    exclude: list[str] | None = None) -> None:
    """Run the model's validation; refuse with every problem in the message and, by field,
    in the detail.

    :raises WorkforceInvalid: ``error``, if any value is invalid.
    """
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as invalid:
        problems = []
        for name, messages in invalid.message_dict.items():
            if name == NON_FIELD_ERRORS:
                problems.extend(messages)
                continue
            label = str(instance._meta.get_field(name).verbose_name)
            problems.extend(f"{label[0].upper()}{label[1:]}: {message}" for message in messages)
        raise error(" ".join(problems), detail=invalid.message_dict) from None
