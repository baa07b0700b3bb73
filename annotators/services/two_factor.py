"""Two-factor sign-in with an authenticator app (TOTP) and one-time recovery codes
(django-otp's TOTP and static devices).

A code is checked in a transaction of its own that commits whether or not the code was right,
so that django-otp's throttle of wrong codes (a growing delay after each) is kept; the
refusal is raised after that commit.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record_event
from config.errors import Conflict, Invalid, NotAllowed

from .common import MANAGE_WORKFORCE, PersonNotFound
from .locks import static_device_qs_select_for_update, totp_device_qs_select_for_update

RECOVERY_DEVICE_NAME = "Recovery codes"
AUTHENTICATOR_DEVICE_NAME = "Authenticator app"


class TwoFactorResetRefused(NotAllowed):
    code = "two_factor_reset_not_allowed"


class TwoFactorAlreadyEnrolled(Conflict):
    code = "two_factor_already_enrolled"


class TwoFactorNotEnrolled(NotAllowed):
    code = "two_factor_not_enrolled"


class TwoFactorCodeRequired(Invalid):
    code = "two_factor_code_required"


class TwoFactorCodeWrong(Invalid):
    code = "two_factor_code_wrong"


WRONG_CODE = ("That code is not right, or it was used already. Type the 6-digit code your "
              "authenticator app shows now (check that the phone's clock is right), or one of "
              "your recovery codes. After several wrong codes each try must wait longer.")


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "")


@transaction.atomic(durable=True)
def two_factor_enrolment_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """Return the person's authenticator waiting for its first code, making one if needed.

    :raises TwoFactorAlreadyEnrolled: if the person has a confirmed authenticator already.
    """
    if TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists():
        raise TwoFactorAlreadyEnrolled(
            "Two-factor sign-in is set up already; sign in with your authenticator app.")
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_DEVICE_NAME,
                                           confirmed=False)
        record_event(actor=user, action="two_factor.enrolment_started", target=user,
                     data={"device_id": device.pk})
    return device


@transaction.atomic(durable=True)
def _confirm(*, user: AbstractBaseUser, code: str) -> tuple[TOTPDevice, list[str]] | None:
    device = totp_device_qs_select_for_update().filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        raise TwoFactorNotEnrolled(
            "There is no authenticator waiting to be confirmed; start setting up two-factor "
            "sign-in again.")
    if not device.verify_token(_normalise(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user_id=user.pk).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    record_event(actor=user, action="two_factor.enrolled", target=user,
                 data={"device_id": device.pk, "recovery_codes": len(codes)})
    return device, codes


def two_factor_enrolment_confirm(*, user: AbstractBaseUser,
                                 code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the waiting authenticator with its first code; issue fresh recovery codes,
    returned this once (earlier ones stop working).

    :raises TwoFactorNotEnrolled: if no authenticator is waiting to be confirmed.
    :raises TwoFactorCodeWrong: if the code is not the app's current one.
    """
    confirmed = _confirm(user=user, code=code)
    if confirmed is None:
        raise TwoFactorCodeWrong(WRONG_CODE, detail={"code": [WRONG_CODE]})
    return confirmed


@transaction.atomic(durable=True)
def _verify(*, user: AbstractBaseUser, code: str) -> Device | None:
    code = _normalise(code)
    devices = [
        *totp_device_qs_select_for_update().filter(user_id=user.pk, confirmed=True),
        *static_device_qs_select_for_update().filter(user_id=user.pk, confirmed=True),
    ]
    if not devices:
        raise TwoFactorNotEnrolled(
            "Two-factor sign-in is not set up for this account yet. Sign in on the web page "
            "to set up an authenticator app, then try again.")
    for device in devices:
        if device.verify_token(code):
            data = {"device_id": device.pk, "kind": type(device).__name__}
            if isinstance(device, StaticDevice):
                data["recovery_codes_left"] = device.token_set.count()
            record_event(actor=user, action="auth.two_factor_verified", target=user, data=data)
            return device
    record_event(actor=user, action="auth.two_factor_failed", target=user)
    return None


def two_factor_verify(*, user: AbstractBaseUser, code: str) -> Device:
    """Check a code from the person's authenticator app, or one of their recovery codes
    (which is used up); return the device that accepted it.

    :raises TwoFactorCodeRequired: if no code was given.
    :raises TwoFactorNotEnrolled: if the person has set up no second factor.
    :raises TwoFactorCodeWrong: if no device accepts the code.
    """
    if not _normalise(code or ""):
        raise TwoFactorCodeRequired(
            "This account signs in with two factors: send the 6-digit code of your "
            "authenticator app (or a recovery code) as otp.", detail={"otp": ["Required."]})
    device = _verify(user=user, code=code)
    if device is None:
        raise TwoFactorCodeWrong(WRONG_CODE, detail={"otp": ["Not a valid code."]})
    return device


@transaction.atomic(durable=True)
def two_factor_reset(*, actor: AbstractBaseUser, user_id: int) -> int:
    """Remove a person's authenticator and recovery codes (a lost phone), so that they set up
    a new one at their next sign-in; return how many devices were removed. Their sessions
    that gave the second factor keep it until they end.

    :raises TwoFactorResetRefused: if the actor is not a manager.
    :raises PersonNotFound: if there is no such person.
    """
    if not actor.has_perm(MANAGE_WORKFORCE):
        raise TwoFactorResetRefused("Only managers may reset someone's two-factor sign-in.")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise PersonNotFound(f"There is no person {user_id}.")
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user_id=user.pk).delete()[1].get(model._meta.label, 0)
    record_event(actor=actor, action="two_factor.reset", target=user,
                 data={"devices_removed": removed})
    return removed
