"""API plumbing shared by every app: error bodies and pagination."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, pagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.errors import ApplicationError
from config.request_id import current_request_id

logger = logging.getLogger(__name__)


# How long a client should wait before trying again when a database is out of reach.
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception) -> bool:
    """Whether ``exc`` says a database is out of reach (down, or the connection dropped):
    a passing fault, not a defect."""
    return isinstance(exc, OperationalError | InterfaceError)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render every error as ``{"code", "message", "detail"}``. A database out of reach is
    503 with a hint of when to try again, so that clients tell a passing fault from a
    defect."""
    if database_unavailable(exc):
        logger.warning("A database is out of reach in %s: %s",
                       context.get("view").__class__.__name__, exc)
        set_rollback()
        return Response({"code": "database_unavailable",
                         "message": "A database is out of reach for a moment; nothing was "
                                    "lost that was acknowledged. Try again in a few seconds.",
                         "detail": {"retry_after_seconds": RETRY_AFTER_SECONDS}},
                        status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response({"code": exc.code, "message": exc.message, "detail": exc.detail},
                        status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything unexpected: logged with its traceback, answered without it.
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__,
                         exc_info=exc)
        set_rollback()
        return Response({"code": "server_error",
                         "message": "Something went wrong on the server; it has been logged. "
                                    "Try again in a moment, and quote the request id if you "
                                    "report it.",
                         "detail": {"request_id": current_request_id()}}, status=500)
    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid", "The request has invalid fields; see detail."
        detail = response.data
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        detail = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            detail = {"retry_after_seconds": int(exc.wait)}
    response.data = {"code": code, "message": message, "detail": detail}
    return response


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Answer a path under /api/ that matches no endpoint with the API's error body."""
    return JsonResponse({"code": "not_found", "message": f"No API endpoint at {request.path}.",
                         "detail": {}}, status=404)


def paginated_response(view, request, queryset, serializer_class, *,
                       context_for_page=None) -> Response:
    """Render one page of ``queryset`` with ``serializer_class``, with the page links.
    ``context_for_page(rows)`` gives the serializer what it reads for the whole page at once
    (so that it makes no query per row)."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    context = context_for_page(page) if context_for_page else {}
    return paginator.get_paginated_response(serializer_class(page, many=True,
                                                             context=context).data)


def permission_to_write(permission: str, message: str) -> type[BasePermission]:
    """A DRF permission: anyone logged in reads; only holders of ``permission`` write.
    Checked before any input is parsed."""

    class PermissionToWrite(BasePermission):
        def has_permission(self, request, view) -> bool:
            user = request.user
            if not (user and user.is_authenticated):
                return False
            return request.method in SAFE_METHODS or user.has_perm(permission)

    PermissionToWrite.message = message
    PermissionToWrite.__name__ = f"PermissionToWrite[{permission}]"
    return PermissionToWrite
