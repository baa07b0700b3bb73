"""Importing a version exported elsewhere (``rules.selectors.rule_version_export``) as a draft."""

from typing import Any

import jsonschema
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from audit.services import record_event

from ..content import CONTENT_FIELDS, RISK_RULE_FIELDS
from ..models import RiskCategory, RuleSet, RuleVersion
from .common import InvalidRuleContent, clean_or_refuse, lock_rule_set, require_rule_manager
from .drafts import draft_create, next_version_number

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

    :raises RulesPermissionDenied: if the actor may not manage rules.
    :raises InvalidRuleContent: if the document is malformed or its values invalid, or the rule
        set of that name is of the other kind.
    :raises RuleSetNotFound: if the rule set of that name is deleted while importing.
    :raises DraftAlreadyExists: if the target rule set has a draft already.
    """
    require_rule_manager(actor=actor)
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
        clean_or_refuse(rule_set, exclude=["owner"])
        rule_set.save()
        record_event(actor=actor, action="rule_set.created", target=rule_set,
                     data={"name": rule_set.name, "kind": rule_set.kind, "imported": True})
        number = 1
    else:
        if rule_set.kind != header["kind"]:
            raise InvalidRuleContent(
                f"The rule set {rule_set.name!r} here is {rule_set.kind}; the file is "
                f"{header['kind']}.")
        rule_set = lock_rule_set(rule_set_id=rule_set.pk)
        number = next_version_number(rule_set=rule_set)
    fields["changelog"] = (f"Imported from {header['name']} v{content.get('number', '?')}. "
                           + str(content.get("changelog", ""))).strip()
    risk_rules = [{"category_id": categories[rule["code"]].pk,
                   **{name: rule.get(name, "") for name in RISK_RULE_FIELDS}}
                  for rule in document["risk_rules"]]
    return draft_create(actor=actor, rule_set=rule_set, number=number, fields=fields,
                        risk_rules=risk_rules, action="rule_version.imported",
                        extra={"source": header["name"], "source_number": content.get("number")})
