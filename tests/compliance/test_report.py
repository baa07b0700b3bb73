"""The compliance report's figures, each computed again here from the rows by other means;
violations made behind the services' back with direct SQL turn their section violated."""

from datetime import timedelta

import pytest
from django.db import connections
from django.test import TestCase
from django.utils import timezone

from annotation.models import FunctionalLabel, Membership
from annotators.models import CredentialEvent, ExamAttempt
from compliance.report import Status, compliance_report
from review.models import BatchDecision, Sample, SampleCheck
from review.services import export_job_create
from safety_labels.models import SafetyApproval, SafetyLabel
from tests.review_setup import samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def report(task=None):
    today = timezone.localdate()
    return compliance_report(period_from=today - timedelta(days=6), period_to=today,
                             task=task)


class TestFiguresAgreeWithTheRows:
    def test_workforce(self, work):
        made = report()
        people = set(FunctionalLabel.objects.values_list("annotator_id", flat=True))
        people |= set(SafetyLabel.objects.values_list("annotator_id", flat=True))
        people |= set(SampleCheck.objects.exclude(verdict="")
                      .values_list("reviewer_id", flat=True))
        people |= set(SafetyApproval.objects.values_list("reviewer_id", flat=True))
        attempts = list(ExamAttempt.objects.filter(status="graded"))

        assert made.section("a.1").figure("workers").value == len(people)
        assert made.section("a.1").figure("untrained").value == 0
        assert made.section("a.2").figure("exams_taken").value == len(attempts)
        assert made.section("a.2").figure("exams_passed").value == \
            len([attempt for attempt in attempts if attempt.passed])
        assert made.section("a.2").figure("credentials_suspended").value == \
            CredentialEvent.objects.filter(action="suspended").count()
        assert made.section("a.2").figure("work_without_credential").value == 0

    def test_separation_and_time(self, work):
        made = report()
        labels = FunctionalLabel.objects.count() + SafetyLabel.objects.count()
        fast = FunctionalLabel.objects.filter(too_fast=True).count() + \
            SafetyLabel.objects.filter(too_fast=True).count()

        assert made.section("a.3").figure("memberships").value == Membership.objects.count()
        assert made.section("a.3").figure("worked_both").value == 0
        assert made.section("a.4").figure("labels").value == labels
        assert made.section("a.4").figure("too_fast").value == fast
        assert made.section("a.4").figure("too_fast_unsampled").value == 0

    def test_sampling_and_approval(self, work):
        made = report()
        outcomes = list(BatchDecision.objects.values_list("outcome", flat=True))
        statuses = list(SafetyLabel.objects.values_list("status", flat=True))

        sampling = made.section("c.1")
        assert sampling.figure("sampled").value == Sample.objects.count() == 2
        assert sampling.figure("decided_accepted").value == outcomes.count("accepted") == 1
        assert sampling.figure("decided_rework").value == outcomes.count("rework") == 1
        assert sampling.figure("checks").value == SampleCheck.objects.exclude(verdict="").count()
        approval = made.section("c.2")
        assert approval.figure("made").value == len(statuses) == 4
        assert approval.figure("status_approved").value == statuses.count("approved") == 2
        assert approval.figure("status_rejected").value == statuses.count("rejected") == 1
        assert approval.evidence["approvals_per_approved_label"] == [
            {"approvals": 1, "labels": 2}]

    def test_a_task_scope_counts_only_that_task(self, work):
        made = report(task=work["safety"])

        assert made.section("c.1").figure("sampled").value == 0
        assert made.section("c.2").figure("made").value == 4
        assert made.section("a.4").figure("labels").value == 4

    def test_every_section_holds_on_sound_work(self, work):
        made = report()

        assert {section.clause: section.violations for section in made.sections} == {
            clause: [] for clause in ("a.1", "a.2", "a.3", "a.4", "b", "c.1", "c.2", "d",
                                      "audit")}
        assert made.section("d").status == Status.HOLDS


def sql(statement: str, params: list, alias: str = "default") -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)


class TestViolationsMadeBehindTheServices:
    def test_a_person_in_both_functions_of_a_task(self, work):
        check = SampleCheck.objects.exclude(verdict="").first()
        other = FunctionalLabel.objects.exclude(annotator_id=check.label.annotator_id).first()
        sql("UPDATE review_samplecheck SET reviewer_id = %s WHERE id = %s",
            [other.annotator_id, check.pk])

        made = report()

        assert made.section("a.3").status == Status.VIOLATED
        assert made.section("a.3").evidence["worked_both_functions"][0]["user_id"] == \
            other.annotator_id

    def test_an_exported_safety_label_nobody_approved(self, work):
        waiting = SafetyLabel.objects.filter(status="submitted").first()
        sql("UPDATE safety_labels_safetylabel SET status = 'approved', first_exported_at = %s "
            "WHERE id = %s", [timezone.now(), waiting.pk], alias="safety")

        made = report()

        assert made.section("c.2").status == Status.VIOLATED
        assert made.section("c.2").evidence["exported_without_approval"][0]["label"] == \
            waiting.pk

    def test_a_batch_exported_before_its_review(self, work):
        batch = samples_of(work["functional"]).first().batch
        with TestCase.captureOnCommitCallbacks(execute=True):
            export_job_create(actor=work["functional"].created_by,
                              task_id=work["functional"].pk, format="jsonl")
        # As if the export had carried the batch out before it was accepted.
        sql("UPDATE review_batchdecision SET decided_at = %s WHERE batch_id = %s",
            [timezone.now() + timedelta(minutes=5), batch.pk])

        made = report()

        assert made.section("c.1").status == Status.VIOLATED
        assert made.section("c.1").figure("exported_unreviewed").value == 3

    def test_work_done_before_the_credential_was_issued(self, work):
        annotator = work["annotators"][0]
        sql("UPDATE annotators_credentialevent SET created_at = %s WHERE action = 'issued' "
            "AND credential_id IN (SELECT id FROM annotators_credential WHERE user_id = %s)",
            [timezone.now() + timedelta(days=1), annotator.pk])

        made = report()

        assert made.section("a.2").status == Status.VIOLATED
        assert made.section("a.2").figure("work_without_credential").value == \
            FunctionalLabel.objects.filter(annotator=annotator).count()

    def test_a_risk_code_written_into_the_main_database(self, work):
        check = SampleCheck.objects.exclude(verdict="").first()
        sql("UPDATE review_samplecheck SET note = %s WHERE id = %s",
            ["Looks like A.1.a to me", check.pk])

        made = report()

        assert made.section("d").status == Status.VIOLATED
        assert made.section("d").evidence["risk_codes_in_main_database"] == [
            {"table": "review_samplecheck", "id": check.pk}]

    def test_an_audit_event_edited_in_place(self, work):
        from audit.models import AuditEvent

        event = AuditEvent.objects.order_by("pk")[5]
        postgres = connections["default"].vendor == "postgresql"
        if postgres:
            # Deferred foreign-key checks must be done before the table can be altered.
            sql("SET CONSTRAINTS ALL IMMEDIATE", [])
            sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only", [])
        sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"edited": true}', event.pk])
        if postgres:
            sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only", [])

        made = report()

        assert made.section("audit").status == Status.VIOLATED
        assert f"event {event.pk}" in made.section("audit").violations[0]
