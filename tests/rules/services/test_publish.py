import pytest

from audit.models import AuditEvent
from demo.rules import FUNCTIONAL_FIELDS, SAFETY_FIELDS
from rules.models import RuleVersion
from rules.services import (
    RulesPermissionDenied,
    RuleVersionIncomplete,
    RuleVersionWrongState,
    rule_version_publish,
    rule_version_update,
)
from rules.signals import rule_version_published
from tests.rules.conftest import make_functional_draft, make_safety_draft

pytestmark = pytest.mark.django_db

SECTION_GAPS = {
    "objectives": "'Objectives' is empty",
    "data_formats": "'Data formats' is empty",
    "annotation_method": "'Annotation method' is empty",
    "annotation_guidance": "'Annotation guidance' is empty",
    "review_guidance": "'Review guidance' is empty",
    "target_accuracy": "target accuracy",
    "aql": "AQL",
    "expected_seconds_per_item": "expected seconds",
    "minimum_seconds_per_item": "minimum seconds",
}
EMPTY = {"target_accuracy": None, "expected_seconds_per_item": None,
         "minimum_seconds_per_item": None, "required_approvals": None}


def gaps_of(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.detail["gaps"]


class TestPublishSafety:
    def test_refuses_30_of_31_risk_rules_and_names_the_missing_code(self, manager):
        draft = make_safety_draft(manager, skip=("A.3.c",))

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert gaps_of(error) == ["Risk rules are missing or incomplete for 1 of 31 categories: "
                                  "A.3.c. Each needs a definition, decision criteria and review "
                                  "criteria."]
        assert RuleVersion.objects.get(pk=draft.pk).status == RuleVersion.Status.DRAFT

    def test_publishes_with_all_31(self, manager, safety_draft):
        version = rule_version_publish(actor=manager, version_id=safety_draft.pk)

        stored = RuleVersion.objects.get(pk=safety_draft.pk)
        assert version.status == stored.status == RuleVersion.Status.PUBLISHED
        assert stored.published_by == manager
        assert stored.published_at is not None
        assert stored.risk_rules.count() == 31

    def test_a_rule_without_decision_criteria_counts_as_missing(self, manager):
        from rules.services import risk_rule_save

        draft = make_safety_draft(manager)
        risk_rule_save(actor=manager, version_id=draft.pk, category_code="A.5.b",
                       texts={"decision_criteria": "  "})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert "A.5.b" in gaps_of(error)[0]

    def test_requires_at_least_one_approval(self, manager):
        draft = make_safety_draft(manager, fields={**SAFETY_FIELDS, "required_approvals": None})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert any("approvals" in gap for gap in gaps_of(error))

    @pytest.mark.parametrize("field", sorted(SECTION_GAPS))
    def test_refuses_each_missing_section(self, manager, field):
        value = EMPTY.get(field, "")
        draft = make_safety_draft(manager, fields={**SAFETY_FIELDS, field: value})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert len(gaps_of(error)) == 1
        assert SECTION_GAPS[field] in gaps_of(error)[0]

    def test_lists_every_gap_at_once(self, manager):
        draft = make_safety_draft(manager, skip=("A.1.a", "A.2.b"),
                                  fields={**SAFETY_FIELDS, "objectives": "", "aql": ""})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        gaps = gaps_of(error)
        assert len(gaps) == 3
        assert "A.1.a, A.2.b" in gaps[-1]

    def test_refuses_minimum_time_above_expected(self, manager):
        draft = make_safety_draft(manager)
        # Editing refuses these times now; a draft saved before that still carries them.
        RuleVersion.objects.filter(pk=draft.pk).update(minimum_seconds_per_item=100,
                                                       expected_seconds_per_item=60)

        with pytest.raises(RuleVersionIncomplete, match="1 gap") as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert "exceed the expected" in gaps_of(error)[0]

    def test_fixed_rate_sampling_needs_rate_and_minimum(self, manager):
        draft = make_safety_draft(manager, fields={**SAFETY_FIELDS, "aql": "",
                                                   "sampling_scheme": "fixed_rate"})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert "fixed-rate plan" in gaps_of(error)[0]


class TestPublishFunctional:
    def test_publishes_a_complete_draft(self, manager, functional_draft):
        rule_version_publish(actor=manager, version_id=functional_draft.pk)

        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "published"

    @pytest.mark.parametrize(("field", "quality"), [
        ("guidance_authenticity", "authenticity"), ("guidance_accuracy", "accuracy"),
        ("guidance_objectivity", "objectivity"), ("guidance_diversity", "diversity")])
    def test_refuses_missing_guidance_on_each_quality(self, manager, field, quality):
        draft = make_functional_draft(manager, fields={**FUNCTIONAL_FIELDS, field: ""})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert gaps_of(error) == [f"The guidance on {quality} is empty."]

    def test_refuses_an_empty_label_specification(self, manager):
        draft = make_functional_draft(manager, fields={**FUNCTIONAL_FIELDS, "label_spec": []})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert gaps_of(error) == ["The label specification has no fields."]

    def test_refuses_an_invalid_label_specification_naming_the_field(self, manager):
        spec = [{"name": "score", "type": "rating", "label": "Score", "min": 5, "max": 1},
                {"name": "pick", "type": "single_choice", "label": "Pick", "options": ["x"]}]
        draft = make_functional_draft(manager, fields={**FUNCTIONAL_FIELDS, "label_spec": spec})

        with pytest.raises(RuleVersionIncomplete) as error:
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert gaps_of(error) == [
            "Label specification: Field 1 ('score'): a rating needs min below max",
            "Label specification: Field 2 ('pick'): a single_choice field needs at least two "
            "options",
        ]


class TestPublishRules:
    def test_refuses_a_version_already_published(self, manager, published_functional):
        with pytest.raises(RuleVersionWrongState, match="only a draft can be published"):
            rule_version_publish(actor=manager, version_id=published_functional.pk)

    def test_refuses_a_worker(self, annotator, functional_draft):
        with pytest.raises(RulesPermissionDenied):
            rule_version_publish(actor=annotator, version_id=functional_draft.pk)

        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "draft"

    def test_records_an_audit_event(self, manager, functional_draft):
        rule_version_publish(actor=manager, version_id=functional_draft.pk)

        event = AuditEvent.objects.get(action="rule_version.published",
                                       target_id=str(functional_draft.pk))
        assert event.actor == manager
        assert event.data["number"] == 1

    def test_announces_the_version_after_commit(self, manager, functional_draft,
                                                django_capture_on_commit_callbacks):
        received = []

        def listener(sender, **kwargs):
            received.append(kwargs)

        rule_version_published.connect(listener)
        try:
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                rule_version_publish(actor=manager, version_id=functional_draft.pk)
            assert received == []
            for callback in callbacks:
                callback()
        finally:
            rule_version_published.disconnect(listener)

        assert received == [{"signal": rule_version_published,
                             "version_id": functional_draft.pk,
                             "rule_set_id": functional_draft.rule_set_id}]

    def test_a_draft_may_be_saved_incomplete(self, manager, functional_draft):
        rule_version_update(actor=manager, version_id=functional_draft.pk,
                            changes={"objectives": "", "label_spec": [{"bad": True}]})

        assert RuleVersion.objects.get(pk=functional_draft.pk).objectives == ""
