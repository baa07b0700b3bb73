import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from config.api import exception_handler
from rules.models import RiskCategory, RiskRule, RuleVersion, VersionIsImmutable
from rules.services import (
    RuleVersionNotEditable,
    RuleVersionWrongState,
    risk_rule_save,
    rule_version_retire,
    rule_version_update,
)

pytestmark = pytest.mark.django_db


class TestAPublishedVersionNeverChanges:
    def test_the_service_refuses_an_edit(self, manager, published_functional):
        with pytest.raises(RuleVersionNotEditable, match="never changes"):
            rule_version_update(actor=manager, version_id=published_functional.pk,
                                changes={"objectives": "rewritten"})

        assert RuleVersion.objects.get(pk=published_functional.pk).objectives != "rewritten"

    def test_the_service_refuses_a_risk_rule_edit(self, manager, published_safety):
        with pytest.raises(RuleVersionNotEditable):
            risk_rule_save(actor=manager, version_id=published_safety.pk,
                           category_code="A.1.a", texts={"definition": "rewritten"})

        assert published_safety.risk_rules.get(category__code="A.1.a").definition != "rewritten"

    def test_save_refuses(self, published_functional):
        version = RuleVersion.objects.get(pk=published_functional.pk)
        version.objectives = "rewritten"

        with pytest.raises(VersionIsImmutable):
            version.save()
        with pytest.raises(VersionIsImmutable):
            version.save(update_fields=["objectives"])

        assert RuleVersion.objects.get(pk=version.pk).objectives != "rewritten"

    def test_the_refusal_is_a_conflict_rendered_as_a_409(self, published_functional):
        version = RuleVersion.objects.get(pk=published_functional.pk)
        version.objectives = "rewritten"

        with pytest.raises(VersionIsImmutable) as refused:
            version.save()
        response = exception_handler(refused.value, {"view": None})

        assert response.status_code == 409
        assert response.data["code"] == "rule_version_immutable"
        assert "never changes" in response.data["message"]

    def test_save_refuses_to_reopen_it_as_a_draft(self, published_functional):
        version = RuleVersion.objects.get(pk=published_functional.pk)
        version.status = RuleVersion.Status.DRAFT

        with pytest.raises(VersionIsImmutable):
            version.save(update_fields=["status"])

    def test_queryset_update_and_delete_refuse(self, published_functional):
        versions = RuleVersion.objects.filter(pk=published_functional.pk)

        with pytest.raises(VersionIsImmutable):
            versions.update(objectives="rewritten")
        with pytest.raises(VersionIsImmutable):
            versions.delete()
        with pytest.raises(VersionIsImmutable):
            RuleVersion.objects.get(pk=published_functional.pk).delete()

        assert versions.get().objectives != "rewritten"

    def test_risk_rules_refuse_save_update_delete_and_additions(self, published_safety):
        rule = RiskRule.objects.get(version=published_safety, category__code="A.2.e")
        rule.definition = "rewritten"

        with pytest.raises(VersionIsImmutable):
            rule.save()
        with pytest.raises(VersionIsImmutable):
            rule.delete()
        with pytest.raises(VersionIsImmutable):
            RiskRule.objects.filter(version=published_safety).update(definition="x")
        with pytest.raises(VersionIsImmutable):
            RiskRule.objects.filter(version=published_safety).delete()
        with pytest.raises(VersionIsImmutable):
            RiskRule.objects.bulk_create([RiskRule(
                version=published_safety, category=RiskCategory.objects.get(code="A.2.e"))])

        assert published_safety.risk_rules.count() == 31

    def test_the_admin_offers_no_change(self, admin_client, published_functional):
        url = reverse("admin:rules_ruleversion_change", args=[published_functional.pk])

        admin_client.post(url, {"objectives": "rewritten"})
        delete = admin_client.post(reverse("admin:rules_ruleversion_delete",
                                           args=[published_functional.pk]), {"post": "yes"})

        assert delete.status_code == 403
        assert RuleVersion.objects.get(pk=published_functional.pk).objectives != "rewritten"

    def test_retiring_is_its_only_change(self, manager, published_functional):
        rule_version_retire(actor=manager, version_id=published_functional.pk, reason="old")

        version = RuleVersion.objects.get(pk=published_functional.pk)
        assert version.status == RuleVersion.Status.RETIRED
        assert version.retired_by == manager
        assert AuditEvent.objects.filter(action="rule_version.retired",
                                         target_id=str(version.pk)).exists()
        with pytest.raises(RuleVersionNotEditable):
            rule_version_update(actor=manager, version_id=version.pk,
                                changes={"objectives": "x"})
        with pytest.raises(RuleVersionWrongState):
            rule_version_retire(actor=manager, version_id=version.pk)

    def test_a_draft_cannot_be_retired(self, manager, functional_draft):
        with pytest.raises(RuleVersionWrongState, match="only a published version"):
            rule_version_retire(actor=manager, version_id=functional_draft.pk)


class TestDatabaseConstraints:
    def test_one_draft_per_rule_set(self, manager, functional_draft):
        with pytest.raises(IntegrityError), transaction.atomic():
            RuleVersion.objects.create(rule_set=functional_draft.rule_set, number=2,
                                       created_by=manager)

    def test_version_numbers_are_unique_in_a_set(self, manager, published_functional):
        with pytest.raises(IntegrityError), transaction.atomic():
            RuleVersion.objects.create(rule_set=published_functional.rule_set, number=1,
                                       created_by=manager)

    def test_approvals_are_at_least_one(self, manager, safety_draft):
        with pytest.raises(IntegrityError), transaction.atomic():
            RuleVersion.objects.filter(pk=safety_draft.pk).update(required_approvals=0)
