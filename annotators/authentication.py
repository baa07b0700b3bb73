"""API authentication by the hashed, expiring tokens of ``ApiToken`` (django-rest-knox).

The header stays ``Authorization: Token <secret>``. One query per request finds the live
tokens that start like the secret, with their holder; the secret's hash picks the one.
"""

import binascii
from hmac import compare_digest

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions

INVALID = ("This token is unknown, expired or revoked. Ask for a new one at "
           "/api/v1/auth/token/.")


def password_fingerprint(user: AbstractBaseUser) -> str:
    """What a token keeps of its holder's password at issue: Django's session hash of it."""
    return user.get_session_auth_hash()


def fingerprint_matches(user: AbstractBaseUser, fingerprint: str) -> bool:
    """Whether ``fingerprint`` was taken from the user's current password (under the current
    or a fallback secret key, as sessions are checked)."""
    if compare_digest(fingerprint, user.get_session_auth_hash()):
        return True
    fallbacks = getattr(user, "get_session_auth_fallback_hash", None)
    return bool(fallbacks) and any(compare_digest(fingerprint, candidate)
                                   for candidate in fallbacks())


class ApiTokenAuthentication(TokenAuthentication):
    """Knox's token authentication without its clean-up on the request path: expired tokens
    are simply not found (and pruned when their holder is issued a new one)."""

    def authenticate_credentials(self, token: bytes):
        try:
            secret = token.decode("utf-8")
            digest = hash_token(secret)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(INVALID) from None
        candidates = get_token_model().objects.filter(
            token_key=secret[:CONSTANTS.TOKEN_KEY_LENGTH],
            expiry__gt=timezone.now()).select_related("user")
        for candidate in candidates:
            if compare_digest(digest, candidate.digest):
                return self.validate_token(candidate)
        raise exceptions.AuthenticationFailed(INVALID)

    def validate_token(self, token):
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(
                "This account is deactivated, and its tokens with it; ask a manager.")
        if not fingerprint_matches(user, token.password_fingerprint):
            raise exceptions.AuthenticationFailed(
                "This token was issued before the account's password changed; ask for a new "
                "one at /api/v1/auth/token/.")
        return user, token
