import pytest

from audit.models import AuditEvent
from rules.content import CONTENT_FIELDS, RISK_RULE_FIELDS
from rules.models import RuleAcknowledgement, RuleSet, RuleVersion
from rules.services import (
    DraftAlreadyExists,
    InvalidRuleContent,
    RulesPermissionDenied,
    RuleVersionWrongState,
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

    def test_refuses_a_draft(self, annotator, functional_draft):
        with pytest.raises(InvalidRuleContent, match="no published rule version"):
            rule_version_acknowledge(actor=annotator, version_id=functional_draft.pk)

    def test_refuses_a_retired_version(self, manager, annotator, published_functional):
        rule_version_retire(actor=manager, version_id=published_functional.pk)

        with pytest.raises(RuleVersionWrongState, match="retired"):
            rule_version_acknowledge(actor=annotator, version_id=published_functional.pk)
