"""Two-factor helpers: enrol a person through the real services, and read the code their
authenticator app would show."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from annotators.services import two_factor_enrolment_confirm, two_factor_enrolment_start


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now, or ``steps_ahead`` 30-second steps later (a code once
    accepted is refused again, so a second sign-in uses the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    pending = two_factor_enrolment_start(user=user)
    device, codes = two_factor_enrolment_confirm(user=user, code=current_code(pending))
    device.refresh_from_db()
    return device, codes


def verified_session(client, user, device: TOTPDevice) -> None:
    """Sign ``client`` in as ``user`` with the second factor given."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
