"""Filters of the log records the app writes."""

import logging

from config.request_id import current_request_id


class ClientErrorsInOneLine(logging.Filter):
    """Drop the traceback of a request refused with a 4xx status; keep the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class RequestId(logging.Filter):
    """Name on each record the request it was written for (``request_id``; "-" outside of
    one), as its error page and ``X-Request-ID`` header show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def logging_config(*, level: str) -> dict:
    """The ``LOGGING`` setting: one console handler whose lines name their request."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # A refused request (403, 404, 405) is one line: the traceback of a client's error
        # says nothing an operator can act on. Server errors keep theirs.
        "filters": {"client_errors_in_one_line": {"()": ClientErrorsInOneLine},
                    "request_id": {"()": RequestId}},
        # Each line names its request: the id an error page shows finds the line and its
        # traceback.
        "formatters": {"with_request_id": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler",
                                 "filters": ["request_id", "client_errors_in_one_line"],
                                 "formatter": "with_request_id"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"axes": {"level": "WARNING"}},
    }
