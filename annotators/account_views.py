"""Account pages: a person's API tokens, password and two-factor sign-in; signing out; and
the managers' actions on someone's sign-in (revoke their tokens, unlock their account)."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import ApplicationError

from . import selectors, services
from .forms import PasswordChangeForm, TwoFactorCodeForm
from .middleware import two_factor_exempt
from .views import managers_only, show_refusal


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("home")


# --- the person's own account ---------------------------------------------------------------


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "annotators/account.html", {
        "tokens": selectors.api_token_list_for_actor(actor=user, user_id=user.pk),
        "two_factor_required": selectors.two_factor_required(user=user),
        "two_factor_enrolled": selectors.two_factor_enrolled(user=user),
        "recovery_codes_left": selectors.recovery_codes_left(user=user),
    })


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(actor=request.user, token_id=token_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked API token {token_id}; a program using it is "
                                  "refused from now on and needs a new token.")
    return redirect("account:home")


@require_POST
def tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    count = services.api_token_revoke_all(actor=request.user, user_id=request.user.pk)
    messages.success(request, f"Revoked {count} API token(s). Programs that used them need "
                              "a new token." if count else "You had no live API token.")
    return redirect("account:home")


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(user=request.user,
                                            old_password=form.cleaned_data["old_password"],
                                            new_password=form.cleaned_data["new_password"])
        except ApplicationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {}
            if "old_password" in detail or "new_password" in detail:
                for name, problems in detail.items():
                    form.add_error(name, problems)
            else:
                form.add_error(None, error.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Your password is changed, and your API tokens are "
                                      "revoked: sign in to programs with the new password.")
            return redirect("account:home")
    return render(request, "annotators/password_change.html", {"form": form})


# --- two-factor sign-in ---------------------------------------------------------------------


def _qr_code_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _base32_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@two_factor_exempt
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if selectors.two_factor_enrolled(user=user):
        messages.info(request, "Two-factor sign-in is set up already.")
        return redirect("account:home")
    if not selectors.two_factor_required(user=user):
        messages.info(request, "Your account signs in with its password alone: two-factor "
                               "sign-in is for managers, compliance officers and staff"
                      + ("." if settings.REQUIRE_TWO_FACTOR else ", and it is off here."))
        return redirect("account:home")
    pending = selectors.two_factor_pending_device(user=user)
    form = TwoFactorCodeForm(request.POST if request.POST.get("step") == "confirm" else None)
    if request.method == "POST" and request.POST.get("step") == "start":
        services.two_factor_enrolment_start(user=user)
        return redirect(f"{reverse('account:two-factor-enrol')}?"
                        f"{request.GET.urlencode()}")
    if request.method == "POST" and pending is not None and form.is_valid():
        try:
            device, codes = services.two_factor_enrolment_confirm(
                user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            otp_login(request, device)
            return render(request, "annotators/recovery_codes.html",
                          {"codes": codes, "next": _next_url(request)})
    context = {"form": form, "pending": pending, "next": _next_url(request),
               "required": selectors.two_factor_required(user=user)}
    if pending is not None:
        context |= {"qr_code": _qr_code_data_uri(pending.config_url),
                    "secret": _base32_secret(pending)}
    return render(request, "annotators/two_factor_enrol.html", context)


@two_factor_exempt
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.two_factor_required(user=user) or user.is_verified():
        return redirect(_next_url(request))
    if not selectors.two_factor_enrolled(user=user):
        return redirect(f"{reverse('account:two-factor-enrol')}?{request.GET.urlencode()}")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            left = selectors.recovery_codes_left(user=user)
            if isinstance(device, StaticDevice):
                messages.warning(request, f"You signed in with a recovery code; {left} are "
                                          "left. If your phone is lost, tell a manager.")
            return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html",
                  {"form": form, "next": _next_url(request)})


class SignOutView(LogoutView):
    """Django's sign-out, which first revokes the person's API tokens, and then asks the
    browser to forget what it kept of the site (cached pages, cookies, local storage such as
    a labelling draft), for the next person at a shared computer."""

    two_factor_exempt = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            services.api_token_revoke_all(
                actor=request.user, user_id=request.user.pk,
                reason=services.TokenRevocationReason.SIGNED_OUT)
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


# --- managers, on someone's page -------------------------------------------------------------


@require_POST
@managers_only
def person_token_revoke(request: HttpRequest, user_id: int, token_id: int) -> HttpResponse:
    person = selectors.person_get(person_id=user_id)
    token = selectors.api_token_find_for_actor(actor=request.user, token_id=token_id,
                                               user_id=person.pk)
    if token is None:
        messages.error(request, f"{person.get_username()} has no live API token {token_id}; "
                                "it may have expired or been revoked already.")
    else:
        services.api_token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, f"Revoked API token {token_id} of {person.get_username()}.")
    return redirect("workforce:person-detail", user_id=person.pk)


@require_POST
@managers_only
def person_tokens_revoke_all(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.person_get(person_id=user_id)
    count = services.api_token_revoke_all(actor=request.user, user_id=person.pk)
    messages.success(request, f"Revoked {count} API token(s) of {person.get_username()}.")
    return redirect("workforce:person-detail", user_id=person.pk)


@require_POST
@managers_only
def person_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.person_get(person_id=user_id)
    try:
        services.person_unlock(actor=request.user, user_id=person.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        mailed = f" and mailed at {person.email}" if person.email else \
            "; they have no email address, so tell them yourself"
        messages.success(request, f"Unlocked the account {person.get_username()}: they can "
                                  f"sign in again now{mailed}.")
    return redirect("workforce:person-detail", user_id=person.pk)


@require_POST
@managers_only
def person_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.person_get(person_id=user_id)
    services.two_factor_reset(actor=request.user, user_id=person.pk)
    messages.success(request, f"Reset the two-factor sign-in of {person.get_username()}: "
                              "they set up a new authenticator app at their next sign-in.")
    return redirect("workforce:person-detail", user_id=person.pk)
