import re
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from config.errors import NotFound
from rules.content import CONTENT_FIELDS, RISK_RULE_FIELDS
from rules.models import RuleAcknowledgement, RuleSet, RuleVersion
from rules.services import (
    DraftAlreadyExists,
    InvalidRuleContent,
    RiskCategoryNotFound,
    RulesPermissionDenied,
    RuleVersionNotFound,
    RuleVersionWrongState,
    risk_rule_save,
    rule_set_create,
    rule_version_acknowledge,
    rule_version_new_draft,
    rule_version_publish,
    rule_version_retire,
    rule_version_update,
)

pytestmark = pytest.mark.django_db


class TestRuleSetCreate:
    def test_creates_the_set_and_an_empty_draft_v1(self, manager):
        rule_set = rule_set_create(actor=manager, name="Medical answers", kind="functional",
                                   domain="medicine")

        draft = rule_set.versions.get()
        assert (draft.number, draft.status) == (1, RuleVersion.Status.DRAFT)
        assert rule_set.owner == manager
        actions = set(AuditEvent.objects.filter(actor=manager).values_list("action", flat=True))
        assert {"rule_set.created", "rule_version.created"} <= actions

    def test_refuses_a_taken_name(self, manager, functional_draft):
        with pytest.raises(InvalidRuleContent, match="exists already"):
            rule_set_create(actor=manager, name=functional_draft.rule_set.name, kind="safety",
                            domain="x")

    def test_refuses_an_unknown_kind(self, manager):
        with pytest.raises(InvalidRuleContent) as error:
            rule_set_create(actor=manager, name="Odd", kind="mixed", domain="x")

        assert "kind" in error.value.detail
        assert not RuleSet.objects.filter(name="Odd").exists()

    def test_refuses_a_worker(self, reviewer):
        with pytest.raises(RulesPermissionDenied):
            rule_set_create(actor=reviewer, name="Mine", kind="safety", domain="x")


class TestRuleVersionUpdate:
    def test_records_which_fields_changed(self, manager, functional_draft):
        rule_version_update(actor=manager, version_id=functional_draft.pk,
                            changes={"objectives": "New aim", "aql": "2.5"})

        event = AuditEvent.objects.filter(action="rule_version.edited").latest("id")
        assert event.data == {"fields": ["aql", "objectives"]}

    def test_refuses_fields_that_are_not_content(self, manager, functional_draft):
        with pytest.raises(InvalidRuleContent, match="status"):
            rule_version_update(actor=manager, version_id=functional_draft.pk,
                                changes={"status": "published"})

        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "draft"

    def test_refuses_an_invalid_choice(self, manager, functional_draft):
        with pytest.raises(InvalidRuleContent) as error:
            rule_version_update(actor=manager, version_id=functional_draft.pk,
                                changes={"aql": "3.3"})

        assert "aql" in error.value.detail

    @pytest.mark.parametrize(("field", "value"), [
        ("target_accuracy", Decimal("0.499")), ("target_accuracy", Decimal("1.001")),
        ("sample_rate", Decimal("0")), ("sample_rate", Decimal("1.5")),
        ("sample_minimum", 0), ("expected_seconds_per_item", 0),
        ("expected_seconds_per_item", 86401), ("minimum_seconds_per_item", 86401)])
    def test_refuses_a_quality_indicator_out_of_bounds(self, manager, functional_draft, field,
                                                        value):
        before = getattr(RuleVersion.objects.get(pk=functional_draft.pk), field)

        with pytest.raises(InvalidRuleContent) as error:
            rule_version_update(actor=manager, version_id=functional_draft.pk,
                                changes={field: value})

        assert set(error.value.detail) == {field}
        assert getattr(RuleVersion.objects.get(pk=functional_draft.pk), field) == before

    def test_refuses_a_minimum_time_above_the_expected_time(self, manager, functional_draft):
        with pytest.raises(InvalidRuleContent) as error:
            rule_version_update(actor=manager, version_id=functional_draft.pk,
                                changes={"minimum_seconds_per_item": 121})

        assert error.value.detail == {"minimum_seconds_per_item": [
            "The minimum time (121 s) is above the expected time (120 s) per item; lower it, "
            "or raise the expected time."]}
        assert RuleVersion.objects.get(pk=functional_draft.pk).minimum_seconds_per_item == 20

    def test_accepts_the_bounds(self, manager, functional_draft):
        rule_version_update(actor=manager, version_id=functional_draft.pk, changes={
            "target_accuracy": Decimal("0.5"), "sample_rate": Decimal("0.001"),
            "sample_minimum": 1, "expected_seconds_per_item": 86400,
            "minimum_seconds_per_item": 86400})

        stored = RuleVersion.objects.get(pk=functional_draft.pk)
        assert (stored.target_accuracy, stored.sample_rate, stored.minimum_seconds_per_item) == (
            Decimal("0.5"), Decimal("0.001"), 86400)


class TestNewDraft:
    def test_copies_every_section_and_risk_rule(self, manager, published_safety):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_safety.pk)

        assert (draft.number, draft.status) == (2, "draft")
        for field in CONTENT_FIELDS:
            assert getattr(draft, field) == getattr(published_safety, field), field
        copied = {r.category_id: [getattr(r, f) for f in RISK_RULE_FIELDS]
                  for r in draft.risk_rules.all()}
        original = {r.category_id: [getattr(r, f) for f in RISK_RULE_FIELDS]
                    for r in published_safety.risk_rules.all()}
        assert copied == original
        assert len(copied) == 31

    def test_refuses_a_second_draft(self, manager, published_functional):
        rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)

        with pytest.raises(DraftAlreadyExists, match="already has a draft"):
            rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)

    def test_starts_from_any_published_or_retired_version(self, manager, published_functional):
        second = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)
        rule_version_update(actor=manager, version_id=second.pk, changes={"objectives": "v2"})
        rule_version_publish(actor=manager, version_id=second.pk)
        rule_version_retire(actor=manager, version_id=published_functional.pk)

        third = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)

        assert third.number == 3
        assert third.objectives == published_functional.objectives

    def test_refuses_to_copy_a_draft(self, manager, functional_draft):
        with pytest.raises(RuleVersionWrongState):
            rule_version_new_draft(actor=manager, source_version_id=functional_draft.pk)


class TestAcknowledge:
    def test_stores_who_which_and_when_once(self, annotator, published_functional):
        first = rule_version_acknowledge(actor=annotator, version_id=published_functional.pk)
        again = rule_version_acknowledge(actor=annotator, version_id=published_functional.pk)

        assert first.pk == again.pk
        assert first.user == annotator
        assert first.acknowledged_at is not None
        assert RuleAcknowledgement.objects.filter(user=annotator).count() == 1
        assert AuditEvent.objects.filter(action="rule_version.acknowledged",
                                         actor=annotator).count() == 1

    def test_does_not_find_a_draft(self, annotator, functional_draft):
        with pytest.raises(RuleVersionNotFound, match="no published rule version") as error:
            rule_version_acknowledge(actor=annotator, version_id=functional_draft.pk)

        assert error.value.http_status == 404
        assert not RuleAcknowledgement.objects.filter(version=functional_draft).exists()

    def test_refuses_a_retired_version(self, manager, annotator, published_functional):
        rule_version_retire(actor=manager, version_id=published_functional.pk)

        with pytest.raises(RuleVersionWrongState, match="retired"):
            rule_version_acknowledge(actor=annotator, version_id=published_functional.pk)


class TestUnknownIds:
    @pytest.mark.parametrize(("call", "code"), [
        (lambda actor: rule_version_update(actor=actor, version_id=987654,
                                           changes={"objectives": "x"}),
         "rule_version_not_found"),
        (lambda actor: rule_version_publish(actor=actor, version_id=987654),
         "rule_version_not_found"),
        (lambda actor: rule_version_retire(actor=actor, version_id=987654),
         "rule_version_not_found"),
        (lambda actor: rule_version_new_draft(actor=actor, source_version_id=987654),
         "rule_version_not_found"),
        (lambda actor: rule_version_acknowledge(actor=actor, version_id=987654),
         "rule_version_not_found"),
        (lambda actor: risk_rule_save(actor=actor, version_id=987654, category_code="A.1.a",
                                      texts={"definition": "x"}), "rule_version_not_found"),
    ], ids=["update", "publish", "retire", "new draft", "acknowledge", "risk rule"])
    def test_are_not_found(self, manager, call, code):
        with pytest.raises(NotFound, match="987654") as error:
            call(manager)

        assert (error.value.code, error.value.http_status) == (code, 404)
        assert not RuleVersion.objects.filter(pk=987654).exists()

    def test_an_unknown_risk_category_is_not_found(self, manager, safety_draft):
        with pytest.raises(RiskCategoryNotFound, match=re.escape("A.1.a to A.5.b")) as error:
            risk_rule_save(actor=manager, version_id=safety_draft.pk, category_code="A.9.z",
                           texts={"definition": "x"})

        assert error.value.http_status == 404
        assert safety_draft.risk_rules.count() == 31
