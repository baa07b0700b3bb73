"""Every write of the rules app: rule sets, their versions, risk rules and acknowledgements."""

from typing import Any

import jsonschema
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import record_event
from config.errors import ApplicationError, NotFound, full_clean_or_raise

from .content import CONTENT_FIELDS, EDITABLE_FIELDS, RISK_RULE_FIELDS, publication_gaps
from .models import RiskCategory, RiskRule, RuleAcknowledgement, RuleSet, RuleVersion
from .permissions import MANAGE_RULES
from .signals import rule_version_published


class RulesPermissionDenied(ApplicationError):
    code = "not_allowed"
    http_status = 403


class RuleVersionNotEditable(ApplicationError):
    code = "rule_version_not_editable"
    http_status = 409


class RuleVersionIncomplete(ApplicationError):
    code = "rule_version_incomplete"
    http_status = 409


class RuleVersionWrongState(ApplicationError):
    code = "rule_version_wrong_state"
    http_status = 409


class DraftAlreadyExists(ApplicationError):
    code = "draft_already_exists"
    http_status = 409


class InvalidRuleContent(ApplicationError):
    code = "invalid"
    http_status = 400


class RuleSetNotFound(NotFound):
    code = "rule_set_not_found"


class RuleVersionNotFound(NotFound):
    code = "rule_version_not_found"


class RiskCategoryNotFound(NotFound):
    code = "risk_category_not_found"


def _require_rule_manager(actor: AbstractBaseUser) -> None:
    if not actor.has_perm(MANAGE_RULES):
        raise RulesPermissionDenied("Only managers with the rules permission may change rules.")


def rule_version_qs_select_for_update():
    # Only the version's row: its rule set is read, not locked, so that editing one draft
    # never waits on, nor holds up, work on the set's other versions.
    return (RuleVersion.objects.select_for_update(of=("self",)).select_related("rule_set")
            .order_by("pk"))


def _lock_rule_set(rule_set_id: int) -> RuleSet:
    # Every new version of a set is numbered under this lock, so numbers never collide.
    try:
        return RuleSet.objects.select_for_update().get(pk=rule_set_id)
    except RuleSet.DoesNotExist:
        raise RuleSetNotFound(f"There is no rule set {rule_set_id}.") from None


def _lock_version(version_id: int) -> RuleVersion:
    try:
        return rule_version_qs_select_for_update().get(pk=version_id)
    except RuleVersion.DoesNotExist:
        raise RuleVersionNotFound(f"There is no rule version {version_id}.") from None


def _clean(instance, *, exclude: list[str] | None = None) -> None:
    full_clean_or_raise(instance, InvalidRuleContent, exclude=exclude, validate_unique=False,
                        validate_constraints=False)


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


@transaction.atomic(durable=True)
def rule_set_create(*, actor: AbstractBaseUser, name: str, kind: str, domain: str,
                    description: str = "") -> RuleSet:
    """Create a rule set and its first draft (version 1).

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises InvalidRuleContent: if a value is invalid or the name is taken.
    """
    _require_rule_manager(actor)
    if RuleSet.objects.filter(name=name).exists():
        raise InvalidRuleContent(f"A rule set named {name!r} exists already; choose another name.",
                                 detail={"name": ["Already in use."]})
    rule_set = RuleSet(name=name, kind=kind, domain=domain, description=description, owner=actor)
    _clean(rule_set, exclude=["owner"])
    rule_set.save()
    record_event(actor=actor, action="rule_set.created", target=rule_set,
                 data={"name": name, "kind": kind, "domain": domain})
    _create_draft(actor=actor, rule_set=rule_set, number=1, fields={}, risk_rules=[])
    return rule_set


def _create_draft(*, actor: AbstractBaseUser, rule_set: RuleSet, number: int,
                  fields: dict[str, Any], risk_rules: list[dict[str, Any]],
                  action: str = "rule_version.created",
                  extra: dict[str, Any] | None = None) -> RuleVersion:
    if rule_set.versions.filter(status=RuleVersion.Status.DRAFT).exists():
        raise DraftAlreadyExists(
            f"{rule_set.name} already has a draft; finish or publish it before starting another.")
    version = RuleVersion(rule_set=rule_set, number=number, created_by=actor)
    _apply(version, fields)
    _clean(version, exclude=["created_by", "rule_set"])
    try:
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
def rule_version_update(*, actor: AbstractBaseUser, version_id: int,
                        changes: dict[str, Any]) -> RuleVersion:
    """Change fields of a draft. Drafts may be incomplete; publishing checks completeness.

    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionNotEditable: if the version is published or retired.
    :raises InvalidRuleContent: for unknown fields or invalid values, by field in the detail
        (a minimum time above the expected time among them).
    """
    _require_rule_manager(actor)
    version = _lock_version(version_id)
    if version.status != RuleVersion.Status.DRAFT:
        raise RuleVersionNotEditable(
            f"{version.rule_set.name} v{version.number} is {version.status}; a {version.status} "
            "version never changes. Start a new draft from it instead.")
    changed = _apply(version, changes)
    if not changed:
        return version
    _clean(version)
    version.save(update_fields=changed)
    record_event(actor=actor, action="rule_version.edited", target=version,
                 data={"fields": sorted(changed)})
    return version


@transaction.atomic(durable=True)
def risk_rule_save(*, actor: AbstractBaseUser, version_id: int, category_code: str,
                   texts: dict[str, str]) -> RiskRule:
    """Write the rule for one risk category in a safety draft.

    :raises RuleVersionNotFound: if there is no such version.
    :raises RiskCategoryNotFound: if no risk category has the code.
    :raises RuleVersionNotEditable: if the version is not a draft.
    :raises InvalidRuleContent: for a functional version or unknown fields.
    """
    _require_rule_manager(actor)
    version = _lock_version(version_id)
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
    _clean(rule)
    rule.save()
    record_event(actor=actor, action="risk_rule.saved", target=version,
                 data={"category": category_code, "fields": sorted(changed)})
    return rule


@transaction.atomic(durable=True)
def rule_version_publish(*, actor: AbstractBaseUser, version_id: int) -> RuleVersion:
    """Publish a complete draft; from then on it never changes.

    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionWrongState: if the version is not a draft (for example, just published).
    :raises RuleVersionIncomplete: listing every gap, if anything required is missing.
    """
    _require_rule_manager(actor)
    version = _lock_version(version_id)
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

    :raises RuleVersionNotFound: if there is no such version.
    :raises RuleVersionWrongState: if the version is not published.
    """
    _require_rule_manager(actor)
    version = _lock_version(version_id)
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


@transaction.atomic(durable=True)
def rule_version_new_draft(*, actor: AbstractBaseUser, source_version_id: int) -> RuleVersion:
    """Start the next draft of a rule set as a full copy of one of its published versions.

    :raises RuleVersionNotFound: if there is no such source version.
    :raises RuleVersionWrongState: if the source is a draft.
    :raises DraftAlreadyExists: if the rule set has a draft already.
    :raises InvalidRuleContent: if a value copied from the source is out of today's bounds.
    """
    _require_rule_manager(actor)
    source = RuleVersion.objects.select_related("rule_set").filter(pk=source_version_id).first()
    if source is None:
        raise RuleVersionNotFound(f"There is no rule version {source_version_id}.")
    if source.status == RuleVersion.Status.DRAFT:
        raise RuleVersionWrongState("A draft cannot be copied; edit it instead.")
    rule_set = _lock_rule_set(source.rule_set_id)
    number = (rule_set.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    fields = {name: getattr(source, name) for name in CONTENT_FIELDS}
    risk_rules = [
        {"category_id": rule.category_id,
         **{name: getattr(rule, name) for name in RISK_RULE_FIELDS}}
        for rule in source.risk_rules.all()
    ]
    return _create_draft(actor=actor, rule_set=rule_set, number=number, fields=fields,
                         risk_rules=risk_rules, extra={"copied_from": source.number})


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


IMPORT_SCHEMA = {
    "type": "object",
    "required": ["format", "format_version", "rule_set", "version", "risk_rules"],
    "properties": {
        "format": {"const": "awm.rule_version"},
        "format_version": {"const": 1},
        "rule_set": {
            "type": "object",
            "required": ["name", "kind", "domain"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "kind": {"enum": [choice.value for choice in RuleSet.Kind]},
                "domain": {"type": "string", "minLength": 1, "maxLength": 200},
                "description": {"type": "string"},
            },
        },
        "version": {"type": "object", "properties": {"number": {"type": "integer"}}},
        "risk_rules": {
            "type": "array",
            "maxItems": 31,
            "items": {
                "type": "object",
                "required": ["code"],
                "additionalProperties": False,
                "properties": {"code": {"type": "string"},
                               **{name: {"type": "string"} for name in RISK_RULE_FIELDS}},
            },
        },
    },
}


def _import_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(IMPORT_SCHEMA)
    return [f"{'/'.join(str(p) for p in error.absolute_path) or 'document'}: {error.message}"
            for error in validator.iter_errors(document)]


@transaction.atomic(durable=True)
def rule_version_import(*, actor: AbstractBaseUser, document: Any) -> RuleVersion:
    """Import an exported version as a new draft: of the rule set of the same name if there is
    one (of the same kind), else of a new rule set. The draft is validated like any draft.

    :raises InvalidRuleContent: if the document is malformed or its values invalid.
    :raises DraftAlreadyExists: if the target rule set has a draft already.
    """
    _require_rule_manager(actor)
    errors = _import_errors(document)
    if errors:
        raise InvalidRuleContent("The file is not an exported rule version.",
                                 detail={"document": errors})
    header, content = document["rule_set"], document["version"]
    fields = {name: content[name] for name in CONTENT_FIELDS if name in content}
    codes = [rule["code"] for rule in document["risk_rules"]]
    categories = {c.code: c for c in RiskCategory.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in categories]
    if unknown or len(set(codes)) != len(codes):
        raise InvalidRuleContent("The risk rules name unknown or repeated codes.",
                                 detail={"risk_rules": unknown or ["A code appears twice."]})
    if codes and header["kind"] != RuleSet.Kind.SAFETY:
        raise InvalidRuleContent("Only safety rule versions have risk rules.")

    rule_set = RuleSet.objects.filter(name=header["name"]).first()
    if rule_set is None:
        rule_set = RuleSet(name=header["name"], kind=header["kind"], domain=header["domain"],
                           description=header.get("description", ""), owner=actor)
        _clean(rule_set, exclude=["owner"])
        rule_set.save()
        record_event(actor=actor, action="rule_set.created", target=rule_set,
                     data={"name": rule_set.name, "kind": rule_set.kind, "imported": True})
        number = 1
    else:
        if rule_set.kind != header["kind"]:
            raise InvalidRuleContent(
                f"The rule set {rule_set.name!r} here is {rule_set.kind}; the file is "
                f"{header['kind']}.")
        rule_set = _lock_rule_set(rule_set.pk)
        number = (rule_set.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    fields["changelog"] = (f"Imported from {header['name']} v{content.get('number', '?')}. "
                           + str(content.get("changelog", ""))).strip()
    risk_rules = [{"category_id": categories[rule["code"]].pk,
                   **{name: rule.get(name, "") for name in RISK_RULE_FIELDS}}
                  for rule in document["risk_rules"]]
    return _create_draft(actor=actor, rule_set=rule_set, number=number, fields=fields,
                         risk_rules=risk_rules, action="rule_version.imported",
                         extra={"source": header["name"], "source_number": content.get("number")})
