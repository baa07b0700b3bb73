"""Sign-in lockout (django-axes): lock the account that fails, throttle an address that fails
across many accounts, and say which of the two happened.

django-axes counts failures per lockout parameter; the setting names only ``username``, so an
account is locked after ``AXES_FAILURE_LIMIT`` failures from any address, and nobody else is.
The handler adds the address throttle, on its own higher limit
(``LOGIN_ADDRESS_FAILURE_LIMIT``), for an address that tries account after account.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from audit.services import lockout_record

from .selectors import SignInLockout, account_lockout, address_lockout


class AccountLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the throttle of an address."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        throttled = address_lockout(ip_address=request.axes_ip_address,
                                    now=request.axes_attempt_time).locked
        request.axes_address_throttled = throttled
        return throttled

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is not None and getattr(request, "axes_address_throttled", False):
            # Refused because the address is throttled: the password was never checked, so
            # this is no failure of the account tried (nor a further one of the address).
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        address = address_lockout(ip_address=request.axes_ip_address,
                                  now=request.axes_attempt_time)
        if not address.locked:
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        # The audit receiver records account lockouts (django-axes signals those); this is
        # the one failure that throttled the address, recorded once.
        if address.failures == address.limit:
            cool_off = address.cool_off
            lockout_record(username=get_client_username(request, credentials) or "",
                           ip_address=request.axes_ip_address, failures=address.failures,
                           failure_limit=address.limit,
                           cool_off_minutes=None if cool_off is None
                           else int(cool_off / timedelta(minutes=1)))


def lockout_message(*, username: str, ip_address: str | None) -> tuple[str, str, SignInLockout]:
    """Say what is locked for a refused sign-in: the account tried, or else the address.

    Returns the code, the message and the lockout that applies.
    """
    account = account_lockout(username=username)
    if account.locked:
        return "account_locked", (
            f"The account “{username}” is locked after {account.failures} failed sign-ins, "
            "from whatever address they came. "
            f"Try again in {account.minutes_left or 'a few'} minutes, or ask a manager to "
            "unlock it. If you did not make these attempts, tell a manager: someone may be "
            "guessing your password."), account
    address = address_lockout(ip_address=ip_address)
    return "address_throttled", (
        f"Sign-ins from your network address are paused for "
        f"{address.minutes_left or 'a few'} minutes after {address.failures} failed sign-ins "
        "to several accounts. No account is locked by this: try again later, or from another "
        "network."), address


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The answer to a refused sign-in (``AXES_LOCKOUT_CALLABLE``): a page, or for the API a
    JSON error, both saying whether the account or the address is locked."""
    username = get_client_username(request, credentials) or ""
    code, message, lockout = lockout_message(
        username=username, ip_address=getattr(request, "axes_ip_address", None))
    retry_after = (lockout.minutes_left or 1) * 60
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": code, "message": message,
                                 "detail": {"retry_after_seconds": retry_after}},
                                status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        response = render(request, "registration/locked_out.html",
                          {"code": code, "message": message, "username": username,
                           "lockout": lockout}, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(retry_after)
    return response
