"""Sign-in: the API's bearer tokens."""

from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class ApiToken(AbstractAuthToken):
    """A bearer token of the API (django-rest-knox's model with an id of its own).

    Only a hash of the secret is stored (``digest``); ``token_key``, the secret's first
    characters, finds the row and never leaves the server. A token expires at ``expiry`` and
    is revoked by deleting its row. ``password_fingerprint`` is the holder's session hash when
    it was issued, so that any change of password ends it, however the password was changed.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, blank=True,
                            help_text="What the token is for, as its holder named it.")
    password_fingerprint = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["user", "expiry"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"API token {self.pk} of user {self.user_id}"
