"""A version's lifecycle after drafting: publishing (it never changes again) and retiring."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict

from ..content import publication_gaps
from ..models import RuleVersion
from ..signals import rule_version_published
from .common import RuleVersionWrongState, lock_rule_version, require_rule_manager


class RuleVersionIncomplete(Conflict):
    code = "rule_version_incomplete"


@transaction.atomic(durable=True)
def rule_version_publish(*, actor: AbstractBaseUser, version_id: int) -> RuleVersion:
    """Publish a complete draft; from then on it never changes.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionWrongState: if the version is not a draft (for example, just published).
    :raises RuleVersionIncomplete: listing every gap, if anything required is missing.
    """
    require_rule_manager(actor=actor)
    version = lock_rule_version(version_id=version_id)
    if not version.can_transition_to(RuleVersion.Status.PUBLISHED):
        raise RuleVersionWrongState(
            f"{version.rule_set.name} v{version.number} is {version.status}; only a draft can be "
            "published.")
    gaps = publication_gaps(version)
    if gaps:
        raise RuleVersionIncomplete(
            f"{version.rule_set.name} v{version.number} cannot be published yet: "
            f"{len(gaps)} gap(s) to fill.", detail={"gaps": gaps})
    version.status = RuleVersion.Status.PUBLISHED
    version.published_by = actor
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_by", "published_at"])
    record_event(actor=actor, action="rule_version.published", target=version,
                 data={"rule_set_id": version.rule_set_id, "number": version.number})
    rule_set_id = version.rule_set_id
    # A receiver that fails (the broker out of reach) is logged; the publication stands.
    transaction.on_commit(lambda: rule_version_published.send_robust(
        sender=RuleVersion, version_id=version_id, rule_set_id=rule_set_id), robust=True)
    return version


@transaction.atomic(durable=True)
def rule_version_retire(*, actor: AbstractBaseUser, version_id: int,
                        reason: str = "") -> RuleVersion:
    """Retire a published version: it stays readable but no longer current.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionWrongState: if the version is not published.
    """
    require_rule_manager(actor=actor)
    version = lock_rule_version(version_id=version_id)
    if not version.can_transition_to(RuleVersion.Status.RETIRED):
        raise RuleVersionWrongState(
            f"{version.rule_set.name} v{version.number} is {version.status}; only a published "
            "version can be retired.")
    version.status = RuleVersion.Status.RETIRED
    version.retired_by = actor
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_by", "retired_at"])
    record_event(actor=actor, action="rule_version.retired", target=version,
                 data={"rule_set_id": version.rule_set_id, "number": version.number,
                       "reason": reason})
    return version
