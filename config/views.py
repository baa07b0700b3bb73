"""Project-wide pages: the home redirect, health, and error pages in the site's layout."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.http import require_GET

from annotators.selectors import home_url_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "error.html", {"status": status, "title": title, "message": message},
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
                   "again, tell a manager.",
    })
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(request, 403, "Form expired",
                       "This form was open too long or came from another site. Reload the page "
                       "and submit it again.")
