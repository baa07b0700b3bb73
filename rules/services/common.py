"""Errors, checks and row locks shared by the rules services."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from config.errors import Conflict, Invalid, NotAllowed, NotFound, full_clean_or_raise
from config.transactions import transaction_required

from ..models import RuleSet, RuleVersion
from ..permissions import MANAGE_RULES


class RulesPermissionDenied(NotAllowed):
    code = "rules_permission_denied"


class InvalidRuleContent(Invalid):
    code = "rule_content_invalid"


class RuleVersionWrongState(Conflict):
    code = "rule_version_wrong_state"


class RuleSetNotFound(NotFound):
    code = "rule_set_not_found"


class RuleVersionNotFound(NotFound):
    code = "rule_version_not_found"


def require_rule_manager(*, actor: AbstractBaseUser) -> None:
    """Refuse an actor without the rules permission.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    """
    if not actor.has_perm(MANAGE_RULES):
        raise RulesPermissionDenied("Only managers with the rules permission may change rules.")


# Each lock helper locks rows of its own model only (``of=("self",)``), whatever a caller joins
# with select_related, and in primary-key order, so that two transactions locking several rows
# take them in one order and cannot deadlock.

def rule_set_qs_select_for_update() -> QuerySet[RuleSet]:
    return RuleSet.objects.select_for_update(of=("self",)).order_by("pk")


def rule_version_qs_select_for_update() -> QuerySet[RuleVersion]:
    return RuleVersion.objects.select_for_update(of=("self",)).order_by("pk")


@transaction_required
def lock_rule_set(*, rule_set_id: int) -> RuleSet:
    """Lock a rule set: every new version of a set is numbered under this lock, so numbers
    never collide.

    :raises RuleSetNotFound: if there is no such rule set.
    """
    rule_set = rule_set_qs_select_for_update().filter(pk=rule_set_id).first()
    if rule_set is None:
        raise RuleSetNotFound(f"There is no rule set {rule_set_id}.")
    return rule_set


@transaction_required
def lock_rule_version(*, version_id: int) -> RuleVersion:
    """Lock a version, its rule set read alongside but not locked, so that editing one draft
    never waits on, nor holds up, work on the set's other versions.

    :raises RuleVersionNotFound: if there is no such version.
    """
    version = (rule_version_qs_select_for_update().select_related("rule_set")
               .filter(pk=version_id).first())
    if version is None:
        raise RuleVersionNotFound(f"There is no rule version {version_id}.")
    return version


def clean_or_refuse(instance, *, exclude: list[str] | None = None) -> None:
    """Validate a row's fields the way its model does.

    :raises InvalidRuleContent: listing the invalid values by field in the detail.
    """
    full_clean_or_raise(instance, InvalidRuleContent, exclude=exclude, validate_unique=False,
                        validate_constraints=False)
