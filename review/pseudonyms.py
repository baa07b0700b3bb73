"""How exports name the people who labelled: a keyed hash of their id."""

import hashlib
import hmac

from django.conf import settings


def pseudonym(user_id: int) -> str:
    """A stable id for a person that does not reveal who they are."""
    key = (settings.EXPORT_PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    return "p-" + hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]
