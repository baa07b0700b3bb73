"""Reads of sign-in: two-factor state, API tokens, and failed sign-ins that lock people out."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import NotFound

from ..models import ApiToken, Role
from .roles import can_manage_workforce, user_roles


def two_factor_required(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` must give a second factor to sign in: managers, compliance officers
    and staff, while ``REQUIRE_TWO_FACTOR`` is on."""
    if not settings.REQUIRE_TWO_FACTOR or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user_roles(user=user) & {Role.MANAGER, Role.COMPLIANCE_OFFICER})


def two_factor_enrolled(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` has confirmed an authenticator app."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def two_factor_pending_device(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator ``user`` started setting up and has not confirmed yet, if any."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    """How many unused recovery codes ``user`` has."""
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


class TokenNotFound(NotFound):
    code = "token_not_found"


def api_token_list_for_actor(*, actor: AbstractBaseUser,
                             user_id: int | None = None) -> QuerySet[ApiToken]:
    """Live API tokens the actor may see: their own, or, for managers, anyone's (all, or
    ``user_id``'s). Never the secret: only ids, names and times are meant to leave."""
    tokens = ApiToken.objects.filter(expiry__gt=timezone.now()).select_related("user").order_by(
        "-created", "-id")
    if user_id is not None and (user_id == actor.pk or can_manage_workforce(user=actor)):
        return tokens.filter(user_id=user_id)
    if user_id is not None:
        return tokens.none()
    return tokens if can_manage_workforce(user=actor) else tokens.filter(user_id=actor.pk)


def api_token_find_for_actor(*, actor: AbstractBaseUser, token_id: int,
                             user_id: int | None = None) -> ApiToken | None:
    """A live token the actor may see (of person ``user_id`` when given), or None."""
    return api_token_list_for_actor(actor=actor, user_id=user_id).filter(pk=token_id).first()


def api_token_get_for_actor(*, actor: AbstractBaseUser, token_id: int) -> ApiToken:
    """A live token the actor may revoke: their own, or anyone's for managers.

    :raises TokenNotFound: for a token that does not exist, has expired, or is someone
        else's (the three are not told apart).
    """
    token = api_token_find_for_actor(actor=actor, token_id=token_id)
    if token is None:
        raise TokenNotFound(f"There is no live API token {token_id} of yours; it may have "
                            "expired or been revoked already.")
    return token


@dataclass(frozen=True)
class SignInLockout:
    """Failed sign-ins that count towards a lockout now, for an account or an address."""

    failures: int
    limit: int
    last_failure_at: datetime | None
    cool_off: timedelta | None

    @property
    def locked(self) -> bool:
        return self.failures >= self.limit

    @property
    def until(self) -> datetime | None:
        if not self.locked or self.last_failure_at is None or self.cool_off is None:
            return None
        return self.last_failure_at + self.cool_off

    @property
    def minutes_left(self) -> int | None:
        if self.until is None:
            return None
        return max(1, ceil((self.until - timezone.now()) / timedelta(minutes=1)))


def _failures_since(attempts: QuerySet, *, limit: int, cool_off: timedelta | None,
                    now: datetime | None) -> SignInLockout:
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=(now or timezone.now()) - cool_off)
    totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return SignInLockout(failures=totals["failures"] or 0, limit=limit,
                         last_failure_at=totals["last"], cool_off=cool_off)


def account_lockout(*, username: str, now: datetime | None = None) -> SignInLockout:
    """Failed sign-ins to the account ``username`` within the cool-off, from any address."""
    return _failures_since(AccessAttempt.objects.filter(username=username),
                           limit=settings.AXES_FAILURE_LIMIT, cool_off=sign_in_cool_off(),
                           now=now)


def address_lockout(*, ip_address: str | None, now: datetime | None = None) -> SignInLockout:
    """Failed sign-ins from ``ip_address`` within the cool-off, to any account."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address) if ip_address \
        else AccessAttempt.objects.none()
    return _failures_since(attempts, limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                           cool_off=sign_in_cool_off(), now=now)


def sign_in_cool_off() -> timedelta | None:
    """How long failed sign-ins count towards a lockout (None: for ever)."""
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is None or isinstance(cool_off, timedelta):
        return cool_off
    return timedelta(hours=cool_off)
