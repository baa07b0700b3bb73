"""Events of the annotation app that higher layers listen to, and its reactions to events of
the layers below it. Each event is sent after the commit that made it true; receivers enqueue
work and never raise into the sender."""

from django.db import transaction
from django.dispatch import Signal

from config.celery import enqueue
from rules.signals import rule_version_published

# A functional batch's last label landed and the batch is waiting for its sample:
# ``batch_id``.
batch_submitted = Signal()
# A label was made again for an item whose label failed its check, in a batch accepted by its
# sample: ``label_id`` and ``batch_id``. It is checked before the batch is exported.
correction_submitted = Signal()


def send_on_commit(*, signal: Signal, **kwargs) -> None:
    """Send ``signal`` once the current transaction commits; a failing receiver is logged,
    never turned into an error of the request whose work has committed."""
    transaction.on_commit(lambda: signal.send_robust(sender=None, **kwargs), robust=True)


def _tell_workers_to_acknowledge(sender, *, version_id: int, rule_set_id: int, **kwargs) -> None:
    # Sent after the publishing transaction committed: enqueue at once (a lost message is
    # sent again by the announcement sweep).
    enqueue("annotation.tasks.notify_new_rule_version", version_id=version_id,
            rule_set_id=rule_set_id)


def connect() -> None:
    rule_version_published.connect(_tell_workers_to_acknowledge,
                                   dispatch_uid="annotation.acknowledge_new_rules")
