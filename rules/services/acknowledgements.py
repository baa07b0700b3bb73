"""A worker's acknowledgement that they read a published version."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..models import RuleAcknowledgement, RuleVersion
from .common import RuleVersionNotFound, RuleVersionWrongState


@transaction.atomic(durable=True)
def rule_version_acknowledge(*, actor: AbstractBaseUser,
                             version_id: int) -> RuleAcknowledgement:
    """Record that the actor read a published version; acknowledging twice changes nothing.

    :raises RuleVersionNotFound: if there is no such version, or it is a draft.
    :raises RuleVersionWrongState: if the version is retired.
    """
    version = RuleVersion.objects.select_related("rule_set").filter(pk=version_id).first()
    if version is None or version.status == RuleVersion.Status.DRAFT:
        raise RuleVersionNotFound(f"There is no published rule version {version_id}.")
    if version.status != RuleVersion.Status.PUBLISHED:
        raise RuleVersionWrongState(
            f"{version.rule_set.name} v{version.number} is retired; acknowledge the current "
            "version instead.")
    acknowledgement, created = RuleAcknowledgement.objects.get_or_create(
        version=version, user=actor, defaults={"acknowledged_at": timezone.now()})
    if created:
        record_event(actor=actor, action="rule_version.acknowledged", target=version,
                     data={"rule_set_id": version.rule_set_id, "number": version.number})
    return acknowledgement
