"""Events of the workforce that higher layers listen to (they connect; annotators never
imports them). Each is sent after the commit that made it true, except ``credential_stopped``,
which is sent inside it."""

from django.db import transaction
from django.dispatch import Signal

# A credential was revoked, or suspended by a quality signal: what its holder vouched for
# under it and that has not left the system is no longer vouched for. ``credential_id``,
# ``user_id``, ``kind``, ``status``.
credential_disqualified = Signal()

# A credential stopped being active (suspended, revoked or expired): ``credential_id``,
# ``user_id``, ``kind``, ``status``. Sent inside the transaction that changes it, so that what
# receivers write (the holder's work handed back) commits or rolls back with the change.
credential_stopped = Signal()


def send_disqualified_on_commit(*, credential_id: int, user_id: int, kind: str,
                                status: str) -> None:
    transaction.on_commit(lambda: credential_disqualified.send_robust(
        sender=None, credential_id=credential_id, user_id=user_id, kind=kind, status=status),
        robust=True)
