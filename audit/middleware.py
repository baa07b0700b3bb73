"""Record every request the site refuses with 403 Forbidden in the audit trail."""

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from . import services
from .receivers import client_ip_address

logger = logging.getLogger(__name__)

REFUSED_STATUSES = frozenset({403})


class RefusedRequestAuditMiddleware:
    """Write one ``request.refused`` event for each response with status 403, whoever gave it
    (a view, DRF, the CSRF check): method, path, user, status and the view. Never the query
    string or the body, which may hold secrets.

    Placed after ``AuthenticationMiddleware``, so that it knows the user.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSED_STATUSES:
            match = getattr(request, "resolver_match", None)
            try:
                services.refused_request_record(
                    actor=getattr(request, "user", None), method=request.method or "",
                    path=request.path, status=response.status_code,
                    ip_address=client_ip_address(request),
                    view_name=match.view_name if match else "")
            except DatabaseError:
                # The refusal stands either way; a failed write is an operator's alarm, not
                # a reason to turn a 403 into a 500.
                logger.exception("Could not record the refused request %s %s in the audit "
                                 "trail.", request.method, request.path)
        return response
