"""Filters of the log records the app writes."""

import logging


class ClientErrorsInOneLine(logging.Filter):
    """Drop the traceback of a request refused with a 4xx status; keep the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
