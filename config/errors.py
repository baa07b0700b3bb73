"""The base of every domain error, and the four families each one belongs to; views and the
API render them the same way.

A concrete error names what failed in its ``code`` ("lease_not_found", "batch_not_open") and
takes its HTTP status from its family: ``NotFound`` 404, ``Invalid`` 400, ``NotAllowed`` 403,
``Conflict`` 409.
"""

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A refusal the user can act on: a stable ``code``, an HTTP status and a message.

    Subclasses live beside the service that raises them and set ``code`` and ``http_status``.
    """

    code = "application_error"
    http_status = 400

    def __init__(self, message: str, *, detail: dict | list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}


def full_clean_or_raise(instance, error_class: type[ApplicationError], **kwargs) -> None:
    """Run a model's validation; turn its errors into ``error_class`` with them as detail."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise error_class("Some values are not valid; see detail.",
                          detail=error.message_dict) from None


class NotFound(ApplicationError):
    """The object does not exist, or the actor may not see it: the two are never told apart."""

    code = "not_found"
    http_status = 404


class Invalid(ApplicationError):
    """The request itself is wrong: a missing or malformed value; ``detail`` names fields."""

    code = "invalid"
    http_status = 400


class NotAllowed(ApplicationError):
    """The actor may see the object but not do this to it (a role, a credential, a rule)."""

    code = "not_allowed"
    http_status = 403


class Conflict(ApplicationError):
    """The request is well formed and allowed, but the object's state refuses it now."""

    code = "conflict"
    http_status = 409
