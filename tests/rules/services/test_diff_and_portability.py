import copy

import pytest

from audit.models import AuditEvent
from rules.models import RuleSet, RuleVersion
from rules.selectors import (
    RuleVersionsNotComparable,
    rule_version_diff,
    rule_version_export,
    word_diff,
)
from rules.services import (
    DraftAlreadyExists,
    InvalidRuleContent,
    risk_rule_save,
    rule_version_import,
    rule_version_new_draft,
    rule_version_publish,
    rule_version_update,
)

pytestmark = pytest.mark.django_db


class TestDiff:
    def test_reports_exactly_the_changed_sections_and_risk_rules(self, manager,
                                                                 published_safety):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_safety.pk)
        rule_version_update(actor=manager, version_id=draft.pk, changes={
            "objectives": "A sharper aim.", "required_approvals": 2, "changelog": "v2"})
        risk_rule_save(actor=manager, version_id=draft.pk, category_code="A.4.e",
                       texts={"definition": "Revealing a person's private life."})
        risk_rule_save(actor=manager, version_id=draft.pk, category_code="A.1.c",
                       texts={"counter_examples": "A history lesson."})

        diff = rule_version_diff(before=published_safety,
                                 after=RuleVersion.objects.get(pk=draft.pk))

        assert diff["changed_sections"] == ["objectives", "quality_indicators"]
        assert diff["changed_risk_rules"] == ["A.1.c", "A.4.e"]
        quality = diff["sections"][1]["changes"]
        assert quality == [{"field": "required_approvals", "before": "1", "after": "2"}]
        privacy = diff["risk_rules"][1]
        assert privacy["state"] == "changed"
        assert [c["field"] for c in privacy["changes"]] == ["definition"]
        assert privacy["changes"][0]["after"] == "Revealing a person's private life."

    def test_identical_versions_differ_in_nothing(self, manager, published_functional):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)

        diff = rule_version_diff(before=published_functional, after=draft)

        assert diff["changed_sections"] == []
        assert diff["changed_risk_rules"] == []

    def test_label_spec_changes_are_a_section(self, manager, published_functional):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)
        spec = copy.deepcopy(draft.label_spec)
        spec[1]["max"] = 7
        rule_version_update(actor=manager, version_id=draft.pk, changes={"label_spec": spec})

        diff = rule_version_diff(before=published_functional,
                                 after=RuleVersion.objects.get(pk=draft.pk))

        assert diff["changed_sections"] == ["label_spec"]

    def test_refuses_versions_of_two_rule_sets(self, published_functional, published_safety):
        with pytest.raises(RuleVersionsNotComparable, match="same rule set"):
            rule_version_diff(before=published_functional, after=published_safety)

    def test_word_diff_marks_removed_and_added_words(self):
        runs = word_diff(before="rank the two answers", after="rank the three answers")

        assert runs == [
            ("same", "rank the"), ("removed", "two"), ("added", "three"), ("same", "answers")]


class TestExportImport:
    def test_an_export_imports_elsewhere_as_an_identical_draft(self, manager, published_safety):
        document = rule_version_export(version=published_safety)
        document["rule_set"]["name"] = "Safety rules, other site"

        draft = rule_version_import(actor=manager, document=document)

        assert draft.status == "draft"
        assert draft.number == 1
        assert draft.rule_set.kind == RuleSet.Kind.SAFETY
        again = rule_version_export(version=draft)
        for key in ("objectives", "review_guidance", "aql", "required_approvals"):
            assert again["version"][key] == document["version"][key]
        assert again["risk_rules"] == document["risk_rules"]
        assert draft.changelog.startswith("Imported from Safety rules, other site v1.")
        assert AuditEvent.objects.filter(action="rule_version.imported",
                                         target_id=str(draft.pk)).exists()
        rule_version_publish(actor=manager, version_id=draft.pk)

    def test_importing_into_an_existing_set_makes_its_next_draft(self, manager,
                                                                 published_functional):
        document = rule_version_export(version=published_functional)

        draft = rule_version_import(actor=manager, document=document)

        assert draft.rule_set_id == published_functional.rule_set_id
        assert draft.number == 2

    def test_refuses_a_second_draft(self, manager, published_functional):
        document = rule_version_export(version=published_functional)
        rule_version_import(actor=manager, document=document)

        with pytest.raises(DraftAlreadyExists):
            rule_version_import(actor=manager, document=document)

    @pytest.mark.parametrize(("damage", "message"), [
        (lambda d: d.update(format="something else"), "not an exported rule version"),
        (lambda d: d["risk_rules"][0].update(code="A.9.z"), "unknown or repeated"),
        (lambda d: d["rule_set"].update(kind="mixed"), "not an exported rule version"),
        (lambda d: d["version"].update(aql="3.3"), "not valid"),
        (lambda d: d.pop("risk_rules"), "not an exported rule version"),
    ])
    def test_refuses_a_damaged_document(self, manager, published_safety, damage, message):
        document = rule_version_export(version=published_safety)
        document["rule_set"]["name"] = "Imported"
        damage(document)

        with pytest.raises(InvalidRuleContent, match=message):
            rule_version_import(actor=manager, document=document)

        assert not RuleSet.objects.filter(name="Imported").exists()

    def test_refuses_a_kind_mismatch(self, manager, published_functional):
        document = rule_version_export(version=published_functional)
        document["rule_set"]["kind"] = "safety"

        with pytest.raises(InvalidRuleContent, match="is functional"):
            rule_version_import(actor=manager, document=document)
