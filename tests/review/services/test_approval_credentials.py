"""Invariant 5: approvals count by the credential held when they were given."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from annotators.models import Credential
from annotators.services import credential_revoke, credential_suspend, report_quality_failure
from annotators.services.sweep import workforce_sweep
from audit.models import AuditEvent
from review.services import export_job_create, export_rows, safety_approval_next
from review.services.approvals import safety_decisions_reconcile
from safety_labels.models import SafetyApproval, SafetyLabel
from tests.review_setup import safety_setup

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def approve_all(reviewer, task) -> list[int]:
    from review.services import safety_label_approve

    approved = []
    while (label := safety_approval_next(reviewer=reviewer, task_id=task.pk)) is not None:
        safety_label_approve(reviewer=reviewer, label_id=label.pk)
        approved.append(label.pk)
    return approved


def credential_of(reviewer) -> Credential:
    return reviewer.credentials.get(kind="safety_review", status__in=["active", "suspended"])


class TestApprovalsRecordTheCredential:
    def test_each_approval_names_the_credential_and_its_state(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Record", items=2)

        approved = approve_all(first, task)

        credential = credential_of(first)
        assert set(SafetyApproval.objects.filter(label_id__in=approved)
                   .values_list("credential_id", "credential_status")) == \
            {(credential.pk, "active")}

    def test_an_approval_without_a_recorded_credential_never_counts(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Unrecorded", items=1)
        approve_all(first, task)

        SafetyApproval.objects.update(credential_id=None)

        assert list(export_rows(task)) == []


class TestApprovalsKeepCounting:
    def test_after_the_credential_expires(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Expiry", items=2)
        approve_all(first, task)
        credential = credential_of(first)

        with time_machine.travel(credential.expires_at + timedelta(days=1)):
            workforce_sweep()
            credential.refresh_from_db()
            rows = list(export_rows(task))

        assert credential.status == Credential.Status.EXPIRED
        assert len(rows) == 2

    def test_after_a_temporary_suspension(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Pause", items=2)
        approve_all(first, task)

        with TestCase.captureOnCommitCallbacks(execute=True):
            credential_suspend(actor=manager, credential_id=credential_of(first).pk,
                               reason="On leave")

        assert not SafetyApproval.objects.exclude(withdrawn_at=None).exists()
        assert len(list(export_rows(task))) == 2


class TestApprovalsWithdrawn:
    def test_a_revocation_sends_the_labels_back_to_the_queue_and_is_audited(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Revoke", items=2)
        approved = approve_all(first, task)

        with TestCase.captureOnCommitCallbacks(execute=True):
            credential_revoke(actor=manager, credential_id=credential_of(first).pk,
                              reason="Shared items outside the system")

        assert list(export_rows(task)) == []
        assert set(SafetyLabel.objects.filter(pk__in=approved)
                   .values_list("status", flat=True)) == {"submitted"}
        assert SafetyApproval.objects.filter(label_id__in=approved, withdrawn_at=None).count() \
            == 0
        event = AuditEvent.objects.get(action="safety_approval.withdrawn",
                                       target_id=str(first.pk))
        assert sorted(event.data["labels"]) == sorted(approved)
        assert safety_approval_next(reviewer=second, task_id=task.pk).pk in approved

    def test_a_quality_suspension_withdraws_them(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Quality", items=1)
        approve_all(first, task)

        with TestCase.captureOnCommitCallbacks(execute=True):
            report_quality_failure(user=first, kind="safety_review", evidence={"test": 1})

        assert list(export_rows(task)) == []
        assert SafetyLabel.objects.get(task_id=task.pk).status == "submitted"

    def test_labels_already_exported_keep_their_approvals(self, manager):
        from review.models import ExportJob

        task, _, (first, _) = safety_setup(manager, name="Gone", items=2)
        approve_all(first, task)
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        assert ExportJob.objects.get(pk=job.pk).status == "done"
        assert not SafetyLabel.objects.filter(task_id=task.pk, first_exported_at=None).exists()

        with TestCase.captureOnCommitCallbacks(execute=True):
            credential_revoke(actor=manager, credential_id=credential_of(first).pk,
                              reason="Left the company")

        assert not SafetyApproval.objects.exclude(withdrawn_at=None).exists()
        assert set(SafetyLabel.objects.filter(task_id=task.pk)
                   .values_list("status", flat=True)) == {"approved"}

    def test_the_reconciler_withdraws_what_a_lost_signal_left(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Lost", items=1)
        approve_all(first, task)
        # Revoked, but the reaction after the commit never ran (a crash, a full queue).
        credential_revoke(actor=manager, credential_id=credential_of(first).pk,
                          reason="Left the company")
        assert len(list(export_rows(task))) == 1

        safety_decisions_reconcile()

        assert list(export_rows(task)) == []
        assert AuditEvent.objects.filter(action="safety_approval.withdrawn").exists()

    def test_a_label_with_enough_approvals_left_stays_approved(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Enough", items=1,
                                                 approvals=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        approve_all(first, task)
        # A second reviewer's approval of the approved label (requirement once raised).
        SafetyApproval.objects.create(label=label, reviewer_id=second.pk, decision="approve",
                                      created_at=timezone.now(),
                                      credential_id=credential_of(second).pk,
                                      credential_status="active")

        with TestCase.captureOnCommitCallbacks(execute=True):
            credential_revoke(actor=manager, credential_id=credential_of(first).pk,
                              reason="Left the company")

        label.refresh_from_db()
        assert label.status == "approved"
        assert len(list(export_rows(task))) == 1


class TestApprovalsThroughTheApi:
    def test_a_revocation_through_the_api_withdraws_the_reviewers_approvals(
            self, manager, manager_client):
        task, _, (first, _) = safety_setup(manager, name="Apirevoke", items=1)
        approve_all(first, task)

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = manager_client.post(
                reverse("api:workforce:credential-revoke", args=[credential_of(first).pk]),
                {"reason": "Copied items"}, content_type="application/json")

        assert response.status_code == 200
        assert SafetyLabel.objects.get(task_id=task.pk).status == "submitted"


class TestWithdrawalsFollowTheCredential:
    def test_approvals_under_a_new_credential_after_a_revocation_keep_counting(self, manager):
        from annotators.services.credentials import credential_issue_for

        task, _, (first, _) = safety_setup(manager, name="Requalified", items=2)
        old = credential_of(first)
        with TestCase.captureOnCommitCallbacks(execute=True):
            credential_revoke(actor=manager, credential_id=old.pk, reason="Leaked data")
        attempt = first.exam_attempts.filter(credential_kind="safety_review", passed=True) \
            .latest("pk")
        new = credential_issue_for(attempt)   # retrained and examined again
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        from review.services import safety_label_approve
        safety_label_approve(reviewer=first, label_id=label.pk)

        safety_decisions_reconcile()

        approval = SafetyApproval.objects.get(label_id=label.pk)
        assert approval.credential_id == new.pk
        assert approval.withdrawn_at is None
        assert SafetyLabel.objects.get(pk=label.pk).status == "approved"

    def test_a_withdrawal_whose_audit_event_was_lost_is_audited_by_the_reconciler(self,
                                                                                 manager):
        from safety_labels.services import safety_approvals_withdraw

        task, _, (first, _) = safety_setup(manager, name="Gap", items=2)
        approved = approve_all(first, task)
        credential = credential_of(first)
        # Committed in the safety database; the process died before the event here.
        safety_approvals_withdraw(credential_ids=[credential.pk], reason="credential revoked",
                                  now=timezone.now(), required_by_task={task.pk: 1})

        safety_decisions_reconcile()
        safety_decisions_reconcile()

        [event] = AuditEvent.objects.filter(action="safety_approval.withdrawn")
        assert sorted(event.data["labels"]) == sorted(approved)
