"""Writing rules: a rule set with its first draft, draft edits, risk rules, and a new draft
copied from a published version."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from audit.services import record_event
from config.errors import Conflict, NotFound
from config.transactions import transaction_required

from ..content import CONTENT_FIELDS, EDITABLE_FIELDS, RISK_RULE_FIELDS
from ..models import RiskCategory, RiskRule, RuleSet, RuleVersion
from .common import (
    InvalidRuleContent,
    RuleVersionNotFound,
    RuleVersionWrongState,
    clean_or_refuse,
    lock_rule_set,
    lock_rule_version,
    require_rule_manager,
)


class RuleVersionNotEditable(Conflict):
    code = "rule_version_not_editable"


class DraftAlreadyExists(Conflict):
    code = "draft_already_exists"


class RiskCategoryNotFound(NotFound):
    code = "risk_category_not_found"


def _apply(version: RuleVersion, changes: dict[str, Any]) -> list[str]:
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise InvalidRuleContent(f"These fields cannot be edited: {', '.join(unknown)}.",
                                 detail={name: ["Not an editable field."] for name in unknown})
    changed = [name for name, value in changes.items() if getattr(version, name) != value]
    for name in changed:
        setattr(version, name, changes[name])
    if "label_spec" in changes and not isinstance(version.label_spec, list):
        raise InvalidRuleContent("The label specification must be a list of fields.",
                                 detail={"label_spec": ["Expected a list."]})
    return changed


def next_version_number(*, rule_set: RuleSet) -> int:
    """The number the next version of a locked rule set takes."""
    return (rule_set.versions.aggregate(last=Max("number"))["last"] or 0) + 1


@transaction_required
def draft_create(*, actor: AbstractBaseUser, rule_set: RuleSet, number: int,
                 fields: dict[str, Any], risk_rules: list[dict[str, Any]],
                 action: str = "rule_version.created",
                 extra: dict[str, Any] | None = None) -> RuleVersion:
    """Add a draft numbered ``number`` to ``rule_set``, with its content and risk rules.

    :raises DraftAlreadyExists: if the rule set has a draft already.
    :raises InvalidRuleContent: for unknown fields or invalid values.
    """
    if rule_set.versions.filter(status=RuleVersion.Status.DRAFT).exists():
        raise DraftAlreadyExists(
            f"{rule_set.name} already has a draft; finish or publish it before starting another.")
    version = RuleVersion(rule_set=rule_set, number=number, created_by=actor)
    _apply(version, fields)
    clean_or_refuse(version, exclude=["created_by", "rule_set"])
    try:
        # A savepoint: the one-draft constraint may refuse the row without spoiling the
        # caller's transaction.
        with transaction.atomic():
            version.save()
    except IntegrityError:
        raise DraftAlreadyExists(f"{rule_set.name} already has a draft.") from None
    if risk_rules:
        RiskRule.objects.bulk_create(RiskRule(version=version, **rule) for rule in risk_rules)
    record_event(actor=actor, action=action, target=version,
                 data={"rule_set_id": rule_set.pk, "number": number, **(extra or {})})
    return version


@transaction.atomic(durable=True)
def rule_set_create(*, actor: AbstractBaseUser, name: str, kind: str, domain: str,
                    description: str = "") -> RuleSet:
    """Create a rule set and its first draft (version 1).

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises InvalidRuleContent: if a value is invalid or the name is taken.
    """
    require_rule_manager(actor=actor)
    if RuleSet.objects.filter(name=name).exists():
        raise InvalidRuleContent(f"A rule set named {name!r} exists already; choose another name.",
                                 detail={"name": ["Already in use."]})
    rule_set = RuleSet(name=name, kind=kind, domain=domain, description=description, owner=actor)
    clean_or_refuse(rule_set, exclude=["owner"])
    rule_set.save()
    record_event(actor=actor, action="rule_set.created", target=rule_set,
                 data={"name": name, "kind": kind, "domain": domain})
    draft_create(actor=actor, rule_set=rule_set, number=1, fields={}, risk_rules=[])
    return rule_set


@transaction.atomic(durable=True)
def rule_version_update(*, actor: AbstractBaseUser, version_id: int,
                        changes: dict[str, Any]) -> RuleVersion:
    """Change fields of a draft. Drafts may be incomplete; publishing checks completeness.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionNotEditable: if the version is published or retired.
    :raises InvalidRuleContent: for unknown fields or invalid values, by field in the detail
        (a minimum time above the expected time among them).
    """
    require_rule_manager(actor=actor)
    version = lock_rule_version(version_id=version_id)
    if version.status != RuleVersion.Status.DRAFT:
        raise RuleVersionNotEditable(
            f"{version.rule_set.name} v{version.number} is {version.status}; a {version.status} "
            "version never changes. Start a new draft from it instead.")
    changed = _apply(version, changes)
    if not changed:
        return version
    clean_or_refuse(version)
    version.save(update_fields=changed)
    record_event(actor=actor, action="rule_version.edited", target=version,
                 data={"fields": sorted(changed)})
    return version


@transaction.atomic(durable=True)
def risk_rule_save(*, actor: AbstractBaseUser, version_id: int, category_code: str,
                   texts: dict[str, str]) -> RiskRule:
    """Write the rule for one risk category in a safety draft.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionNotEditable: if the version is not a draft.
    :raises InvalidRuleContent: for a functional version, unknown fields or invalid values.
    :raises RiskCategoryNotFound: if no risk category has the code.
    """
    require_rule_manager(actor=actor)
    version = lock_rule_version(version_id=version_id)
    if version.status != RuleVersion.Status.DRAFT:
        raise RuleVersionNotEditable(
            f"{version.rule_set.name} v{version.number} is {version.status}; its risk rules "
            "never change.")
    if not version.is_safety:
        raise InvalidRuleContent("Only safety rule versions have risk rules.")
    unknown = sorted(set(texts) - set(RISK_RULE_FIELDS))
    if unknown:
        raise InvalidRuleContent(f"Unknown risk rule fields: {', '.join(unknown)}.")
    category = RiskCategory.objects.filter(code=category_code).first()
    if category is None:
        raise RiskCategoryNotFound(f"There is no risk category {category_code!r}; codes run from "
                                   "A.1.a to A.5.b.")
    rule = RiskRule.objects.filter(version=version, category=category).first() or RiskRule(
        version=version, category=category)
    changed = [name for name, value in texts.items() if getattr(rule, name) != value]
    for name in changed:
        setattr(rule, name, texts[name])
    if rule.pk and not changed:
        return rule
    clean_or_refuse(rule)
    rule.save()
    record_event(actor=actor, action="risk_rule.saved", target=version,
                 data={"category": category_code, "fields": sorted(changed)})
    return rule


@transaction.atomic(durable=True)
def rule_version_new_draft(*, actor: AbstractBaseUser, source_version_id: int) -> RuleVersion:
    """Start the next draft of a rule set as a full copy of one of its published versions.

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises RuleVersionNotFound: if there is no such source version.
    :raises RuleVersionWrongState: if the source is a draft.
    :raises RuleSetNotFound: if the source's rule set is gone.
    :raises DraftAlreadyExists: if the rule set has a draft already.
    :raises InvalidRuleContent: if a value copied from the source is out of today's bounds.
    """
    require_rule_manager(actor=actor)
    source = RuleVersion.objects.select_related("rule_set").filter(pk=source_version_id).first()
    if source is None:
        raise RuleVersionNotFound(f"There is no rule version {source_version_id}.")
    if source.status == RuleVersion.Status.DRAFT:
        raise RuleVersionWrongState("A draft cannot be copied; edit it instead.")
    rule_set = lock_rule_set(rule_set_id=source.rule_set_id)
    fields = {name: getattr(source, name) for name in CONTENT_FIELDS}
    risk_rules = [
        {"category_id": rule.category_id,
         **{name: getattr(rule, name) for name in RISK_RULE_FIELDS}}
        for rule in source.risk_rules.all()
    ]
    return draft_create(actor=actor, rule_set=rule_set,
                        number=next_version_number(rule_set=rule_set), fields=fields,
                        risk_rules=risk_rules, extra={"copied_from": source.number})
