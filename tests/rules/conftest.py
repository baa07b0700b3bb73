import pytest

from demo.rules import FUNCTIONAL_FIELDS, SAFETY_FIELDS, _risk_texts
from rules.models import RiskCategory, RuleSet, RuleVersion
from rules.services import (
    risk_rule_save,
    rule_set_create,
    rule_version_publish,
    rule_version_update,
)


def make_safety_draft(manager, *, name: str = "Safety rules", skip: tuple[str, ...] = (),
                      fields: dict | None = None) -> RuleVersion:
    """A safety draft complete but for the risk codes in ``skip``."""
    rule_set = rule_set_create(actor=manager, name=name, kind=RuleSet.Kind.SAFETY,
                               domain="chat answers")
    draft = rule_set.versions.get()
    rule_version_update(actor=manager, version_id=draft.pk, changes=fields or SAFETY_FIELDS)
    for category in RiskCategory.objects.select_related("group").order_by("position"):
        if category.code not in skip:
            risk_rule_save(actor=manager, version_id=draft.pk, category_code=category.code,
                           texts=_risk_texts(category))
    return RuleVersion.objects.get(pk=draft.pk)


def make_functional_draft(manager, *, name: str = "Ranking rules",
                          fields: dict | None = None) -> RuleVersion:
    rule_set = rule_set_create(actor=manager, name=name, kind=RuleSet.Kind.FUNCTIONAL,
                               domain="chat answers")
    draft = rule_set.versions.get()
    rule_version_update(actor=manager, version_id=draft.pk,
                        changes=FUNCTIONAL_FIELDS if fields is None else fields)
    return RuleVersion.objects.get(pk=draft.pk)


@pytest.fixture
def functional_draft(manager):
    return make_functional_draft(manager)


@pytest.fixture
def published_functional(manager, functional_draft):
    return rule_version_publish(actor=manager, version_id=functional_draft.pk)


@pytest.fixture
def safety_draft(manager):
    return make_safety_draft(manager)


@pytest.fixture
def published_safety(manager, safety_draft):
    return rule_version_publish(actor=manager, version_id=safety_draft.pk)
