"""How people who label are named where their names are not needed: by a keyed hash of
their id. Exports use one pseudonym per person; reviewers, inside a task, one per person
and task, so that pseudonyms of two tasks cannot be joined."""

import hashlib
import hmac

from django.conf import settings


def _keyed(text: str) -> str:
    key = (settings.EXPORT_PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def pseudonym(user_id: int) -> str:
    """A stable id for a person, the same in every export, that does not reveal who they
    are."""
    return "p-" + _keyed(str(user_id))[:16]


def task_pseudonym(*, task_id: int, user_id: int) -> str:
    """What a reviewer of a task calls one of its workers: stable inside the task, unrelated
    to the same person's pseudonym in another task or in exports."""
    return "w-" + _keyed(f"task:{task_id}:{user_id}")[:10]
