from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotators.models import Assignment, Credential, CredentialKind, Role
from annotators.selectors import has_active_credential
from annotators.services import (
    AttemptRefused,
    CredentialTransitionRefused,
    assignment_schedule,
    attempt_start,
    credential_reinstate,
    credential_revoke,
    credential_suspend,
    policy_update,
    report_quality_failure,
    workforce_sweep,
)
from annotators.services.common import WorkforceInvalid, WorkforcePermissionDenied
from audit.models import AuditEvent
from tests.conftest import make_person
from tests.workforce import KIND, complete_training, take_exam

pytestmark = pytest.mark.django_db


def status_of(credential) -> str:
    credential.refresh_from_db()
    return credential.status


class TestTransitions:
    def test_suspend_and_reinstate_write_history_and_audit(self, manager, credentialed):
        credential_suspend(actor=manager, credential_id=credentialed.pk, reason="Spot check")
        assert not has_active_credential(credentialed.user, KIND)

        credential_reinstate(actor=manager, credential_id=credentialed.pk, reason="Cleared")

        assert has_active_credential(credentialed.user, KIND)
        history = list(credentialed.history.order_by("pk").values_list(
            "action", "from_status", "to_status", "reason"))
        assert history == [("issued", "", "active",
                            f"Passed exam attempt {credentialed.attempt_id}."),
                           ("suspended", "active", "suspended", "Spot check"),
                           ("reinstated", "suspended", "active", "Cleared")]
        assert AuditEvent.objects.filter(action="credential.suspended", actor=manager,
                                         target_id=str(credentialed.pk)).exists()

    def test_a_reason_is_required(self, manager, credentialed):
        with pytest.raises(WorkforceInvalid, match="Give a reason"):
            credential_suspend(actor=manager, credential_id=credentialed.pk, reason="  ")

        assert status_of(credentialed) == "active"

    @pytest.mark.parametrize(("setup", "action", "message"), [
        ([], "reinstate", "already active"),
        (["suspend"], "suspend", "already suspended"),
        (["revoke"], "suspend", "revoked credential cannot be suspended"),
        (["revoke"], "reinstate", "revoked credential cannot be reinstated"),
        (["revoke"], "revoke", "already revoked"),
        (["expire"], "suspend", "expired credential cannot be suspended"),
        (["expire"], "reinstate", "expired credential cannot be reinstated"),
        (["expire"], "revoke", "expired credential cannot be revoked"),
    ])
    def test_every_illegal_transition_is_refused(self, manager, credentialed, setup, action,
                                                 message):
        actions = {
            "suspend": lambda: credential_suspend(actor=manager, credential_id=credentialed.pk,
                                                  reason="r"),
            "reinstate": lambda: credential_reinstate(actor=manager,
                                                      credential_id=credentialed.pk, reason="r"),
            "revoke": lambda: credential_revoke(actor=manager, credential_id=credentialed.pk,
                                                reason="r"),
        }
        for step in setup:
            if step == "expire":
                with time_machine.travel(credentialed.expires_at + timedelta(days=1)):
                    workforce_sweep()
            else:
                actions[step]()
        before = status_of(credentialed)

        with pytest.raises(CredentialTransitionRefused, match=message):
            actions[action]()

        assert status_of(credentialed) == before

    def test_revoke_is_final_and_needs_retraining_after_a_wait(self, manager, credentialed,
                                                               workforce):
        user = credentialed.user
        credential_revoke(actor=manager, credential_id=credentialed.pk, reason="Leaked data")

        with pytest.raises(AttemptRefused, match="opens again on"):
            attempt_start(user=user, kind=KIND)
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            with pytest.raises(AttemptRefused, match="complete the whole course again"):
                attempt_start(user=user, kind=KIND)
            complete_training(user, workforce["course"])
            attempt = take_exam(user)

        assert attempt.passed
        assert status_of(credentialed) == "revoked"
        new = Credential.objects.get(user=user, kind=KIND, status="active")
        assert new.pk != credentialed.pk

    def test_a_worker_cannot_suspend_anyone(self, reviewer, credentialed):
        with pytest.raises(WorkforcePermissionDenied):
            credential_suspend(actor=reviewer, credential_id=credentialed.pk, reason="x")
        with pytest.raises(WorkforcePermissionDenied):
            credential_revoke(actor=credentialed.user, credential_id=credentialed.pk,
                              reason="x")

        assert status_of(credentialed) == "active"

    def test_passing_again_renews(self, credentialed, workforce):
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            take_exam(credentialed.user)

        credentialed.refresh_from_db()
        assert credentialed.history.filter(action="renewed").exists()
        assert credentialed.expires_at > timezone.now() + timedelta(days=366)


class TestQualityFailure:
    def test_suspends_pending_retraining_and_keeps_the_evidence(self, credentialed, workforce):
        evidence = {"accuracy": "0.61", "checks": 40, "window_days": 30}

        report_quality_failure(user=credentialed.user, kind=KIND, evidence=evidence)

        assert status_of(credentialed) == "suspended"
        assignment = Assignment.objects.get(user=credentialed.user, status="open")
        assert assignment.evidence == evidence
        assert assignment.source == "quality"

        complete_training(credentialed.user, workforce["course"])

        assert status_of(credentialed) == "active"
        assignment.refresh_from_db()
        assert assignment.status == "completed"

    def test_does_nothing_without_a_live_credential(self, annotator):
        assert report_quality_failure(user=annotator, kind=KIND, evidence={}) is None


class TestSweep:
    def test_expires_at_the_end_of_validity_and_not_before(self, manager, credentialed):
        # As long as the validity allows, so that no overdue assignment suspends it first.
        policy_update(actor=manager, kind=KIND, changes={"retraining_interval_days": 365,
                                                         "reassessment_interval_days": 365})
        with time_machine.travel(credentialed.expires_at - timedelta(minutes=1)):
            workforce_sweep()
        assert status_of(credentialed) == "active"

        with time_machine.travel(credentialed.expires_at + timedelta(minutes=1)):
            counts = workforce_sweep()

        assert counts["expired"] == 1
        assert status_of(credentialed) == "expired"

    def test_opens_retraining_when_due_and_suspends_after_the_grace(self, credentialed,
                                                                    workforce):
        policy = workforce["policy"]
        trained = credentialed.user.training_records.get().completed_at
        due = timezone.localdate(trained) + timedelta(days=policy.retraining_interval_days)

        with time_machine.travel(due - timedelta(days=1)):
            workforce_sweep()
        assert not Assignment.objects.filter(type="retraining").exists()

        with time_machine.travel(due):
            assert workforce_sweep()["retraining_opened"] == 1
        assignment = Assignment.objects.get(type="retraining")
        assert assignment.due_date == due

        with time_machine.travel(due + timedelta(days=policy.grace_days)):
            workforce_sweep()
        assert status_of(credentialed) == "active"

        with time_machine.travel(due + timedelta(days=policy.grace_days + 1)):
            assert workforce_sweep()["suspended_overdue"] == 1
            assert workforce_sweep() == {key: 0 for key in workforce_sweep()}
        credentialed.refresh_from_db()
        assert credentialed.suspension_cause == "retraining_overdue"

        with time_machine.travel(due + timedelta(days=policy.grace_days + 2)):
            complete_training(credentialed.user, workforce["course"])
        assert status_of(credentialed) == "active"

    def test_requires_reassessment_and_a_pass_lifts_the_suspension(self, credentialed,
                                                                   workforce):
        policy = workforce["policy"]
        due = timezone.localdate(credentialed.assessed_at) + timedelta(
            days=policy.reassessment_interval_days)

        with time_machine.travel(due):
            assert workforce_sweep()["reassessment_opened"] == 1
        with time_machine.travel(due + timedelta(days=policy.grace_days + 1)):
            workforce_sweep()
            assert status_of(credentialed) == "suspended"
            complete_training(credentialed.user, workforce["course"])
            take_exam(credentialed.user)

        assert status_of(credentialed) == "active"
        assert Assignment.objects.get(type="reassessment").status == "completed"

    def test_reinstates_a_dated_suspension_on_its_date(self, manager, credentialed):
        until = timezone.localdate() + timedelta(days=3)
        credential_suspend(actor=manager, credential_id=credentialed.pk, reason="Leave",
                           until_date=until)

        with time_machine.travel(until - timedelta(days=1)):
            workforce_sweep()
        assert status_of(credentialed) == "suspended"

        with time_machine.travel(timezone.make_aware(
                timezone.datetime.combine(until, timezone.datetime.min.time())
        ) + timedelta(hours=1)):
            assert workforce_sweep()["reinstated"] == 1
        assert status_of(credentialed) == "active"
        assert credentialed.history.latest("pk").actor is None

    def test_notifies_once_ahead_of_expiry(self, credentialed):
        credentialed.user.email = "ann@example.com"
        credentialed.user.save(update_fields=["email"])
        when = credentialed.expires_at - timedelta(days=29)

        with time_machine.travel(when), self.capture_on_commit() as callbacks:
            workforce_sweep()
            workforce_sweep()
        for callback in callbacks:
            callback()

        assert len(mail.outbox) == 1
        assert "expires on" in mail.outbox[0].body
        assert mail.outbox[0].to == ["ann@example.com"]

    capture_on_commit = None

    @pytest.fixture(autouse=True)
    def _on_commit(self, django_capture_on_commit_callbacks):
        self.capture_on_commit = lambda: django_capture_on_commit_callbacks(execute=False)

    def test_a_second_run_changes_nothing(self, manager, credentialed, workforce):
        later = credentialed.expires_at - timedelta(days=10)
        with time_machine.travel(later):
            first = workforce_sweep()
            events = AuditEvent.objects.count()
            second = workforce_sweep()

        assert sum(first.values()) > 0
        assert second == {key: 0 for key in second}
        assert AuditEvent.objects.count() == events


class TestSweepQueries:
    def test_looks_at_every_active_credential_in_a_fixed_number_of_queries(
            self, manager, workforce, django_assert_num_queries):
        def credential_more(name):
            person = make_person(name, Role.ANNOTATOR)
            complete_training(person, workforce["course"])
            take_exam(person)

        credential_more("ann.first")
        workforce_sweep()
        with CaptureQueriesContext(connection) as one:
            workforce_sweep()
        for n in range(4):
            credential_more(f"ann.{n}")

        with django_assert_num_queries(len(one)):
            counts = workforce_sweep()

        assert counts == {key: 0 for key in counts}
        assert Credential.objects.filter(user__username__startswith="ann.",
                                         status="active").count() == 5


class TestAssignmentSchedule:
    def test_schedules_retraining_for_chosen_people_once(self, manager, annotator, reviewer,
                                                        workforce):
        due = timezone.localdate() + timedelta(days=7)

        first = assignment_schedule(actor=manager, user_ids=[annotator.pk, reviewer.pk],
                                    kind=KIND, due_date=due, reason="New rules v2")
        again = assignment_schedule(actor=manager, user_ids=[annotator.pk], kind=KIND,
                                    due_date=due, reason="Again")

        assert len(first) == 2
        assert again == []
        assert {a.course_id for a in first} == {workforce["course"].pk}

    def test_refuses_a_past_date_and_workers(self, manager, annotator, workforce):
        with pytest.raises(WorkforceInvalid, match="past"):
            assignment_schedule(actor=manager, user_ids=[annotator.pk], kind=KIND,
                                due_date=date(2000, 1, 1), reason="x")
        with pytest.raises(WorkforcePermissionDenied):
            assignment_schedule(actor=annotator, user_ids=[annotator.pk], kind=KIND,
                                due_date=timezone.localdate(), reason="x")

    def test_schedules_on_a_chosen_course_and_completing_it_closes_the_assignment(
            self, manager, annotator, workforce):
        from tests.workforce import build_course

        refresher = build_course(manager, title="Refresher")

        [assignment] = assignment_schedule(actor=manager, user_ids=[annotator.pk], kind=KIND,
                                           due_date=timezone.localdate(), reason="Refresh",
                                           course_id=refresher.pk)
        complete_training(annotator, refresher)

        assignment.refresh_from_db()
        assert assignment.course == refresher
        assert assignment.status == "completed"

    def test_refuses_an_unknown_kind(self, manager, annotator, workforce):
        with pytest.raises(WorkforceInvalid, match="Unknown credential kind"):
            assignment_schedule(actor=manager, user_ids=[annotator.pk], kind="pilot",
                                due_date=timezone.localdate(), reason="x")


def test_kinds_are_the_four_of_the_standard():
    assert CredentialKind.values == ["functional_annotate", "functional_review",
                                     "safety_annotate", "safety_review"]
