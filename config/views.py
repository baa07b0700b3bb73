"""Project-wide pages: the home redirect, health, and error pages in the site's layout."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotators.models import Role
from annotators.selectors import user_roles
from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# Each role's home page, highest role first: someone with several lands on the first one
# they hold. The pages belong to apps above the workforce, which is why this lives here.
HOME_VIEW_FOR_ROLE = {
    Role.MANAGER: "compliance:home",
    Role.COMPLIANCE_OFFICER: "compliance:report",
    Role.REVIEWER: "review:home",
    Role.ANNOTATOR: "annotation:home",
}


def home_url_for(user: AbstractBaseUser) -> str:
    """Return the home page of the user's highest role; annotators' work is the default."""
    roles = user_roles(user=user)
    for role, view_name in HOME_VIEW_FOR_ROLE.items():
        if role in roles:
            return reverse(view_name)
    return reverse(HOME_VIEW_FOR_ROLE[Role.ANNOTATOR])


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


def _database_answers(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _broker_answers() -> str:
    if celery_app.conf.task_always_eager:
        return "not used"       # the embedded default: tasks run in the web process
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0,
                                     timeout=HEALTH_TIMEOUT_SECONDS)
    return "ok"


HEALTH_TIMEOUT_SECONDS = 2
HEALTH_CHECKS = {"database": lambda: _database_answers("default"),
                 "safety_database": lambda: _database_answers("safety"),
                 "broker": _broker_answers}


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Whether the app and what it needs answer: both databases and the broker, each named,
    so that whoever watches it sees which is down. 503 when any is."""
    checks = {}
    for name, check in HEALTH_CHECKS.items():
        try:
            checks[name] = check()
        except Exception as error:  # any failure is "down"; the log says why
            logger.warning("Health check: the %s is down: %s", name.replace("_", " "), error)
            checks[name] = "down"
    healthy = "down" not in checks.values()
    return JsonResponse({"status": "ok" if healthy else "down", "checks": checks},
                        status=200 if healthy else 503)


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "error.html", {"status": status, "title": title, "message": message,
                                          "request_id": getattr(request, "id", None)},
                  status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "Bad request",
                       "The request could not be understood. Check what you sent and try again.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "Not allowed",
                       "You do not have permission to do this. Ask a manager if you think you "
                       "should.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "Not found",
                       "There is no page here, or it is not one you can see.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: whatever failed may fail again there.
    body = loader.get_template("error.html").render({
        "status": 500,
        "title": "Something went wrong",
        "message": "The error has been logged. Please try again in a moment; if it happens "
                   "again, tell a manager and quote the request id below.",
        "request_id": getattr(request, "id", None),
    })
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(request, 403, "Form expired",
                       "This form was open too long or came from another site. Reload the page "
                       "and submit it again.")
