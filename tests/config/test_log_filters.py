import logging
import sys

from django.conf import settings

from config.log_filters import ClientErrorsInOneLine


def record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        exc_info = sys.exc_info()
    made = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                             "Forbidden (Permission denied): /manage/", None, exc_info)
    made.status_code = status
    return made


def test_a_refused_request_is_one_line_without_its_traceback():
    refused = record(403)

    assert ClientErrorsInOneLine().filter(refused)
    assert refused.exc_info is None
    assert logging.Formatter().format(refused) == "Forbidden (Permission denied): /manage/"


def test_a_server_error_keeps_its_traceback():
    failed = record(500)

    ClientErrorsInOneLine().filter(failed)

    assert "Traceback" in logging.Formatter().format(failed)


def test_the_console_handler_applies_it():
    assert "client_errors_in_one_line" in settings.LOGGING["handlers"]["console"]["filters"]
