"""Sign-in and API access of a person: API tokens, password changes, unlocking an account.

A token's secret is returned once, to whoever asked for it, and never recorded: the audit
trail names tokens by id.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict, Invalid, NotAllowed
from config.transactions import transaction_required

from ..authentication import password_fingerprint
from ..models import ApiToken
from ..selectors import account_lockout, api_token_get_for_actor, can_manage_workforce
from .common import PersonNotFound
from .locks import (
    access_attempt_qs_select_for_update,
    api_token_qs_select_for_update,
    person_qs_select_for_update,
)


class AccountPermissionDenied(NotAllowed):
    code = "account_unlock_not_allowed"


class PasswordChangeRefused(Invalid):
    """The password was not changed; raised through a subclass naming why."""


class OldPasswordWrong(PasswordChangeRefused):
    code = "old_password_wrong"


class NewPasswordTooWeak(PasswordChangeRefused):
    code = "new_password_too_weak"


class AccountNotLocked(Conflict):
    code = "account_not_locked"


class TokenRevocationReason:
    BY_HOLDER = "revoked_by_holder"
    BY_MANAGER = "revoked_by_manager"
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    DEACTIVATED = "account_deactivated"


def _person(user_id: int) -> AbstractBaseUser:
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise PersonNotFound(f"There is no person {user_id}.")
    return person


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def api_token_issue(*, user: AbstractBaseUser, name: str = "",
                    two_factor: bool = False) -> tuple[ApiToken, str]:
    """Issue an API token to ``user``, who has just proved who they are; return it with its
    secret, which is shown this once and stored only as a hash. Expired tokens of the
    person are removed on the way.
    """
    ApiToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, secret = ApiToken.objects.create(
        user=user, expiry=timedelta(hours=settings.API_TOKEN_HOURS), name=name[:100],
        password_fingerprint=password_fingerprint(user))
    record_event(actor=user, action="api_token.issued", target=user,
                 data={"token_id": token.pk, "name": token.name,
                       "expires_at": token.expiry.isoformat(), "two_factor": two_factor})
    return token, secret


def _revoke(*, actor: AbstractBaseUser | None, user: AbstractBaseUser, tokens: list[ApiToken],
            reason: str) -> int:
    if not tokens:
        return 0
    ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).delete()
    record_event(actor=actor, action="api_token.revoked", target=user,
                 data={"token_ids": sorted(token.pk for token in tokens), "reason": reason})
    return len(tokens)


@transaction_required
def revoke_all_tokens(*, actor: AbstractBaseUser | None, user: AbstractBaseUser,
                      reason: str) -> int:
    """Revoke every token of ``user`` inside the caller's transaction; return how many."""
    tokens = list(api_token_qs_select_for_update().filter(user=user))
    return _revoke(actor=actor, user=user, tokens=tokens, reason=reason)


@transaction.atomic(durable=True)
def api_token_revoke(*, actor: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke one token: the actor's own, or anyone's for a manager.

    :raises TokenNotFound: if there is no live token ``token_id`` the actor may revoke.
    """
    token = api_token_get_for_actor(actor=actor, token_id=token_id)
    token = api_token_qs_select_for_update().select_related("user").get(pk=token.pk)
    reason = (TokenRevocationReason.BY_HOLDER if token.user_id == actor.pk
              else TokenRevocationReason.BY_MANAGER)
    _revoke(actor=actor, user=token.user, tokens=[token], reason=reason)
    return token


@transaction.atomic(durable=True)
def api_token_revoke_all(*, actor: AbstractBaseUser, user_id: int,
                         reason: str = "") -> int:
    """Revoke every token of person ``user_id``: one's own, or anyone's for a manager; return
    how many were live.

    :raises PersonNotFound: if there is no such person, or it is someone else's and the actor
        is not a manager.
    """
    if user_id != actor.pk and not can_manage_workforce(user=actor):
        raise PersonNotFound(f"There is no person {user_id}.")
    person = _person(user_id)
    reason = reason or (TokenRevocationReason.BY_HOLDER if user_id == actor.pk
                        else TokenRevocationReason.BY_MANAGER)
    return revoke_all_tokens(actor=actor, user=person, reason=reason)


# --- password -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def password_change(*, user: AbstractBaseUser, old_password: str,
                    new_password: str) -> AbstractBaseUser:
    """Change the person's own password and revoke their API tokens.

    :raises OldPasswordWrong: if the old password is wrong; the detail names the field.
    :raises NewPasswordTooWeak: if the new one is too weak; the detail names the field.
    """
    user = person_qs_select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise OldPasswordWrong(
            "The current password is not right; type the password you signed in with.",
            detail={"old_password": ["Not your current password."]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise NewPasswordTooWeak(
            "The new password is too weak: " + " ".join(error.messages)
            + " Choose a longer one that is not about you.",
            detail={"new_password": error.messages}) from None
    revoke_all_tokens(actor=user, user=user, reason=TokenRevocationReason.PASSWORD_CHANGED)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    record_event(actor=user, action="person.password_changed", target=user)
    return user


def user_saving(sender, instance: AbstractBaseUser, raw: bool = False,
                update_fields: frozenset[str] | None = None, **kwargs) -> None:
    """Before a person is saved (``pre_save`` of the user model): deactivating the account or
    changing its password, wherever it happens (the admin, the command line, this app),
    revokes the account's API tokens in the same transaction. Reactivating it later brings
    none back."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"is_active", "password"} & set(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("is_active", "password").first()
    if before is None:
        return
    was_active, old_password = before
    if was_active and not instance.is_active:
        reason = TokenRevocationReason.DEACTIVATED
    elif old_password != instance.password:
        reason = TokenRevocationReason.PASSWORD_CHANGED
    else:
        return
    with transaction.atomic():
        if reason == TokenRevocationReason.DEACTIVATED:
            record_event(actor=None, action="person.deactivated", target=instance)
        revoke_all_tokens(actor=None, user=instance, reason=reason)


# --- lockout --------------------------------------------------------------------------------


def _mail_unlocked(*, user_id: int, actor_name: str) -> None:
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None or not person.email:
        return
    send_mail(
        subject="Your account was unlocked",
        message=(f"Hello {person.get_full_name() or person.get_username()},\n\n"
                 f"Your account {person.get_username()} was locked after repeated failed "
                 f"sign-ins, and {actor_name} has unlocked it. You can sign in again now.\n\n"
                 "If you did not make those attempts, someone may be guessing your password: "
                 "change it after signing in (Account, Change password) and tell a manager.\n"),
        from_email=None, recipient_list=[person.email])


@transaction.atomic(durable=True)
def person_unlock(*, actor: AbstractBaseUser, user_id: int) -> int:
    """Lift the sign-in lockout of a person's account before its cool-off ends, and mail
    them; return the failures that had locked it.

    The failures are set to zero rather than deleted, so the audit trail has this one
    ``auth.unlocked`` event, naming the manager (django-axes' deletions are recorded as
    unlocks by the system).

    :raises AccountPermissionDenied: if the actor is not a manager.
    :raises PersonNotFound: if there is no such person.
    :raises AccountNotLocked: if the account is not locked.
    """
    if not can_manage_workforce(user=actor):
        raise AccountPermissionDenied("Only managers may unlock accounts.")
    person = _person(user_id)
    username = person.get_username()
    attempts = list(access_attempt_qs_select_for_update().filter(username=username))
    lockout = account_lockout(username=username)
    if not lockout.locked:
        raise AccountNotLocked(
            f"The account {username} is not locked ({lockout.failures} failed sign-ins of "
            f"{lockout.limit} allowed); there is nothing to unlock.")
    AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in attempts]).update(
        failures_since_start=0)
    record_event(actor=actor, action="auth.unlocked", target=person,
                 data={"username": username, "ip_address": None, "failures": lockout.failures})
    actor_name = actor.get_full_name() or actor.get_username()
    transaction.on_commit(lambda: _mail_unlocked(user_id=person.pk, actor_name=actor_name),
                          robust=True)
    return lockout.failures
