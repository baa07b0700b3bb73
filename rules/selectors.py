"""Reads of the rules app, already scoped to what the actor may see."""

import difflib
import json
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, Prefetch, QuerySet
from django.http import Http404

from config.errors import Invalid

from .content import CONTENT_FIELDS, RISK_RULE_FIELDS, sections_for
from .models import RiskCategory, RiskGroup, RiskRule, RuleAcknowledgement, RuleSet, RuleVersion
from .permissions import MANAGE_RULES

EXPORT_FORMAT = "awm.rule_version"
EXPORT_FORMAT_VERSION = 1


def risk_category_list() -> QuerySet[RiskCategory]:
    """Return the 31 categories in the standard's order, each with its group."""
    return RiskCategory.objects.select_related("group").order_by("position")


def risk_group_list_with_categories() -> QuerySet[RiskGroup]:
    return RiskGroup.objects.prefetch_related(
        Prefetch("categories", queryset=RiskCategory.objects.order_by("position"))
    ).order_by("position")


def risk_category_get(*, code: str) -> RiskCategory:
    """Fetch one of the 31 categories, with its group, by its code; raise 404 for another code."""
    category = risk_category_list().filter(code=code).first()
    if category is None:
        raise Http404("No such risk category.")
    return category


def can_manage_rules(*, actor: AbstractBaseUser) -> bool:
    return actor.has_perm(MANAGE_RULES)


def _visible_versions(actor: AbstractBaseUser) -> QuerySet[RuleVersion]:
    versions = RuleVersion.objects.all()
    if not can_manage_rules(actor=actor):
        versions = versions.exclude(status=RuleVersion.Status.DRAFT)
    return versions


def rule_set_list_for_actor(*, actor: AbstractBaseUser) -> QuerySet[RuleSet]:
    """Rule sets the actor may see: all for rule managers, else those with a published version."""
    rule_sets = RuleSet.objects.select_related("owner").order_by("name")
    if not can_manage_rules(actor=actor):
        rule_sets = rule_sets.filter(versions__status__in=[
            RuleVersion.Status.PUBLISHED, RuleVersion.Status.RETIRED]).distinct()
    return rule_sets.prefetch_related(
        Prefetch("versions", queryset=_visible_versions(actor).order_by("-number")))


def rule_set_get_for_actor(*, actor: AbstractBaseUser, rule_set_id: int) -> RuleSet:
    rule_set = rule_set_list_for_actor(actor=actor).filter(pk=rule_set_id).first()
    if rule_set is None:
        raise Http404("No such rule set.")
    return rule_set


def rule_version_list_for_actor(*, actor: AbstractBaseUser,
                                rule_set_id: int) -> QuerySet[RuleVersion]:
    rule_set_get_for_actor(actor=actor, rule_set_id=rule_set_id)
    return (_visible_versions(actor).filter(rule_set_id=rule_set_id)
            .select_related("rule_set", "created_by", "published_by").order_by("-number"))


def rule_version_get_for_actor(*, actor: AbstractBaseUser, version_id: int) -> RuleVersion:
    """Fetch a version the actor may see (drafts only for rule managers), or raise 404."""
    version = (_visible_versions(actor).select_related("rule_set", "created_by", "published_by")
               .prefetch_related(Prefetch("risk_rules", queryset=RiskRule.objects
                                          .select_related("category")
                                          .order_by("category__position")))
               .filter(pk=version_id).first())
    if version is None:
        raise Http404("No such rule version.")
    return version


def rule_version_draft_get(*, actor: AbstractBaseUser, rule_set_id: int) -> RuleVersion:
    """Fetch the draft of a rule set the actor may see; raise 404 if it has none."""
    draft = (_visible_versions(actor).filter(rule_set_id=rule_set_id,
                                             status=RuleVersion.Status.DRAFT).first())
    if draft is None:
        raise Http404("This rule set has no draft.")
    return draft


def risk_rule_rows(*, version: RuleVersion) -> list[tuple[RiskCategory, RiskRule | None]]:
    """Pair each of the 31 categories, in order, with the version's rule for it, if any.

    The version's risk rules are read from its prefetch when it has one
    (``rule_version_get_for_actor`` gives it).
    """
    rules_by_category = {rule.category_id: rule for rule in version.risk_rules.all()}
    return [(category, rules_by_category.get(category.pk)) for category in risk_category_list()]


def risk_rule_for(*, version: RuleVersion, category: RiskCategory) -> RiskRule | None:
    """The version's rule for one category, from its prefetched risk rules when it has them."""
    return next((rule for rule in version.risk_rules.all() if rule.category_id == category.pk),
                None)


def acknowledgement_for(*, actor: AbstractBaseUser,
                        version: RuleVersion) -> RuleAcknowledgement | None:
    return RuleAcknowledgement.objects.filter(version=version, user=actor).first()


def has_acknowledged(*, user_id: int, version_id: int) -> bool:
    return RuleAcknowledgement.objects.filter(version_id=version_id, user_id=user_id).exists()


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def rule_version_export(*, version: RuleVersion) -> dict[str, Any]:
    """Return a version as a self-contained document that ``rule_version_import`` reads."""
    rule_set = version.rule_set
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "rule_set": {"name": rule_set.name, "kind": rule_set.kind, "domain": rule_set.domain,
                     "description": rule_set.description},
        "version": {"number": version.number, "status": version.status,
                    "changelog": version.changelog,
                    **{name: _plain(getattr(version, name)) for name in CONTENT_FIELDS}},
        "risk_rules": [
            {"code": rule.category.code, **{name: getattr(rule, name) for name in RISK_RULE_FIELDS}}
            for rule in version.risk_rules.select_related("category").order_by("category__position")
        ],
    }


def _text(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return "" if value is None else str(value)


class RuleVersionsNotComparable(Invalid):
    code = "rule_versions_not_comparable"


def rule_version_diff(*, before: RuleVersion, after: RuleVersion) -> dict[str, Any]:
    """Compare two versions of one rule set, section by section and risk rule by risk rule.

    Only what changed is listed; each change carries the text before and after.

    :raises RuleVersionsNotComparable: if the versions belong to two rule sets.
    """
    if before.rule_set_id != after.rule_set_id:
        raise RuleVersionsNotComparable("Only versions of the same rule set can be compared.")
    sections = []
    for key, (label, fields) in sections_for(after.rule_set.kind).items():
        changes = [
            {"field": field, "before": _text(_plain(getattr(before, field))),
             "after": _text(_plain(getattr(after, field)))}
            for field in fields if getattr(before, field) != getattr(after, field)
        ]
        if changes:
            sections.append({"section": key, "label": label, "changes": changes})

    rules_before = {r.category.code: r for r in before.risk_rules.select_related("category")}
    rules_after = {r.category.code: r for r in after.risk_rules.select_related("category")}
    risk_rules = []
    for category in RiskCategory.objects.order_by("position"):
        old, new = rules_before.get(category.code), rules_after.get(category.code)
        changes = [
            {"field": field, "before": getattr(old, field) if old else "",
             "after": getattr(new, field) if new else ""}
            for field in RISK_RULE_FIELDS
            if (getattr(old, field) if old else "") != (getattr(new, field) if new else "")
        ]
        if changes:
            state = "added" if old is None else "removed" if new is None else "changed"
            risk_rules.append({"code": category.code, "name": category.name_en, "state": state,
                               "changes": changes})
    return {
        "rule_set_id": after.rule_set_id,
        "before": {"id": before.pk, "number": before.number, "status": before.status},
        "after": {"id": after.pk, "number": after.number, "status": after.status},
        "changed_sections": [entry["section"] for entry in sections],
        "changed_risk_rules": [entry["code"] for entry in risk_rules],
        "sections": sections,
        "risk_rules": risk_rules,
    }


def word_diff(*, before: str, after: str) -> list[tuple[str, str]]:
    """Split two texts into (operation, text) runs: "same", "removed" or "added"."""
    old, new = before.split(" "), after.split(" ")
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("added", " ".join(new[j1:j2])))
    return runs


def acknowledgement_exists(*, user_ref, version_id: int) -> Exists:
    """A subquery expression: the user (an ``OuterRef`` or id) acknowledged the version."""
    return Exists(RuleAcknowledgement.objects.filter(user_id=user_ref, version_id=version_id))
