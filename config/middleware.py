"""Project-wide request handling: a request id on every response and log line, no copies of
pages in caches, and a database out of reach answered with 503."""

import logging
import re
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from config.api import RETRY_AFTER_SECONDS, database_unavailable
from config.request_id import reset_request_id, set_request_id

logger = logging.getLogger(__name__)

# An id a proxy in front sent along is kept when it is plain enough to log as it is.
_FORWARDED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Give each request an id: sent back in ``X-Request-ID``, shown on error pages, and in
    every log line written while the request is served, so that a person's report of an
    error finds its traceback. First in the chain, so that it spans every other step."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.headers.get("X-Request-ID", "")
        request.id = forwarded if _FORWARDED_ID.fullmatch(forwarded) else uuid.uuid4().hex
        token = set_request_id(request.id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request.id
        return response


class NoStoreMiddleware:
    """Pages, API answers and downloads carry people's work and names: no browser or proxy
    keeps a copy (``Cache-Control: no-store``). Static files are served before this and keep
    their long cache."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class DatabaseUnavailableMiddleware:
    """A page that finds a database out of reach answers 503 with the site's error page and
    a Retry-After header, not a 500: the fault passes, and nothing acknowledged was lost."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        logger.warning("A database is out of reach at %s: %s", request.path, exception)
        response = render(request, "error.html", {
            "status": 503, "title": "Try again in a moment",
            "request_id": getattr(request, "id", None),
            "message": "A database is out of reach for a moment. Nothing you saved before is "
                       "lost; reload the page in a few seconds."}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
