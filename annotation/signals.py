"""Reactions of the annotation app to events of the layers below it."""

from django.db import transaction

from rules.signals import rule_version_published


def _tell_workers_to_acknowledge(sender, *, version_id: int, rule_set_id: int, **kwargs) -> None:
    from .tasks import notify_new_rule_version  # the tasks module imports the services

    transaction.on_commit(lambda: notify_new_rule_version.delay(version_id=version_id,
                                                                rule_set_id=rule_set_id))


def connect() -> None:
    rule_version_published.connect(_tell_workers_to_acknowledge,
                                   dispatch_uid="annotation.acknowledge_new_rules")
