"""The base of every domain error; views and the API render it the same way."""

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
