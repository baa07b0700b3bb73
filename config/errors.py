"""The base of every domain error; views and the API render it the same way."""


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
