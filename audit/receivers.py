"""Turn logins, failed logins, lockouts and unlocks into audit events.

Connected in ``AuditConfig.ready``. Each receiver reads what the signal carries and calls one
service of ``services``; the password never reaches them (Django passes the credentials of a
failed login with the password masked, and only the username is read).
"""

from datetime import timedelta

from axes.conf import settings as axes_settings
from axes.helpers import get_client_ip_address, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services


def client_ip_address(request) -> str | None:
    if request is None:
        return None
    # Set by django-axes on login requests; the same rule (trusted proxies) otherwise.
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    services.login_success_record(user=user, ip_address=client_ip_address(request))


def on_user_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    services.login_failure_record(actor=getattr(request, "user", None),
                                  username=str(username or ""),
                                  ip_address=client_ip_address(request))


def on_user_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    credentials = getattr(request, "axes_credentials", None)
    failures = getattr(request, "axes_failures_since_start", None)
    limit = get_failure_limit(request, credentials)
    # django-axes signals again on each attempt refused during a lockout; those are failed
    # logins already, so only the attempt that reaches the limit records the lockout.
    if failures is None or failures > limit:
        return
    cool_off = get_cool_off(request)
    services.lockout_record(username=str(username or ""), ip_address=ip_address,
                            failures=failures, failure_limit=limit,
                            cool_off_minutes=None if cool_off is None
                            else int(cool_off / timedelta(minutes=1)))


def on_access_attempt_deleted(sender, instance: AccessAttempt, **kwargs) -> None:
    # django-axes sends no signal of its own for an unlock: an unlock is the removal of the
    # failures that locked an account (axes_reset, the admin), before its cool-off ended.
    # Failures removed once the cool-off had ended, or that never reached the limit, are
    # django-axes tidying up and are not recorded.
    limit, cool_off = axes_settings.AXES_FAILURE_LIMIT, axes_settings.AXES_COOLOFF_TIME
    if not isinstance(limit, int) or not isinstance(cool_off, timedelta | int | float | None):
        return  # a limit or cool-off computed per request cannot be judged without one
    cool_off = get_cool_off(None)
    if instance.failures_since_start < limit:
        return
    if cool_off is not None and instance.attempt_time + cool_off <= timezone.now():
        return
    services.unlock_record(username=instance.username or "", ip_address=instance.ip_address,
                           failures=instance.failures_since_start)
