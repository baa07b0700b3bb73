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
