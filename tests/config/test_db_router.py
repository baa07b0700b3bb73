import itertools
import uuid

import pytest
from django.db import connections
from django.db import models as db_models
from django.test.utils import isolate_apps
from django.utils import timezone

from config.db_router import SafetyRouter
from rules.models import RiskCategory
from safety_labels.checks import relation_errors
from safety_labels.models import SafetyApproval, SafetyLabel

pytestmark = pytest.mark.django_db(databases=["default", "safety"])
LEASE_IDS = itertools.count(1000)


def make_label() -> SafetyLabel:
    now = timezone.now()
    return SafetyLabel.objects.create(task_id=1, item_id=2, annotator_id=3, rule_version_id=4,
                                      lease_id=next(LEASE_IDS), client_id=uuid.uuid4(),
                                      risk_codes=["A.1.a"], started_at=now, submitted_at=now)


def tables(alias: str) -> set[str]:
    return set(connections[alias].introspection.table_names())


class TestSafetyRowsLandInTheSafetyDatabaseOnly:
    def test_a_safety_label_is_written_to_safety(self):
        label = make_label()

        with connections["safety"].cursor() as cursor:
            cursor.execute("SELECT risk_codes FROM safety_labels_safetylabel WHERE id = %s",
                           [label.pk])
            assert cursor.fetchone() is not None
        assert label._state.db == "safety"
        assert SafetyLabel.objects.filter(pk=label.pk).exists()

    def test_the_default_database_has_no_safety_table(self):
        assert not {name for name in tables("default") if name.startswith("safety_labels_")}

    def test_the_safety_database_has_no_other_apps_table(self):
        assert tables("safety") - {"django_migrations"} == {
            "safety_labels_safetylabel", "safety_labels_safetyapproval",
            "safety_labels_verdictrisk"}

    def test_an_approval_stays_beside_its_label(self):
        label = make_label()

        approval = SafetyApproval.objects.create(label=label, reviewer_id=9, decision="approve",
                                                 created_at=timezone.now())

        assert approval._state.db == "safety"


class TestRouter:
    router = SafetyRouter()

    def test_routes_reads_and_writes_by_app(self):
        assert self.router.db_for_read(SafetyLabel) == "safety"
        assert self.router.db_for_write(SafetyApproval) == "safety"
        assert self.router.db_for_read(RiskCategory) == "default"
        assert self.router.db_for_write(RiskCategory) == "default"

    def test_migrates_each_app_in_one_database_only(self):
        assert self.router.allow_migrate("safety", "safety_labels")
        assert not self.router.allow_migrate("default", "safety_labels")
        assert self.router.allow_migrate("default", "rules")
        assert not self.router.allow_migrate("safety", "rules")
        assert not self.router.allow_migrate("safety", "auth")

    def test_refuses_a_relation_across_the_two(self):
        category = RiskCategory.objects.get(code="A.1.a")
        label = make_label()

        assert not self.router.allow_relation(category, label)
        assert self.router.allow_relation(label, SafetyApproval(label=label))

    def test_the_orm_refuses_to_attach_a_row_of_the_other_database(self):
        label = make_label()
        approval = SafetyApproval.objects.create(label=label, reviewer_id=9, decision="approve",
                                                 created_at=timezone.now())
        stranger = SafetyLabel(pk=label.pk)
        stranger._state.db = "default"

        with pytest.raises(ValueError, match="router prevents this relation"):
            approval.label = stranger


class TestNoRelationLeavesTheSafetyStore:
    def test_the_real_models_pass(self):
        assert relation_errors(SafetyLabel, SafetyApproval) == []

    @isolate_apps("safety_labels")
    def test_a_foreign_key_to_another_database_is_an_error(self):
        class LeakyLabel(db_models.Model):
            category = db_models.ForeignKey(RiskCategory, on_delete=db_models.CASCADE)

            class Meta:
                app_label = "safety_labels"

        errors = relation_errors(LeakyLabel)

        assert [error.id for error in errors] == ["safety_labels.E001"]
        assert "rules.RiskCategory" in errors[0].msg
