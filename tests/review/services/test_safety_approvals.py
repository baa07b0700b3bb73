import pytest

from annotation.models import Item
from annotation.services import lease_next
from annotators.models import Role
from annotators.services import credential_suspend
from audit.models import AuditEvent
from review.services import (
    export_rows,
    safety_approval_next,
    safety_label_approve,
    safety_label_escalate_to_manager,
    safety_label_reject,
    safety_label_rule,
)
from review.services.approvals import DecisionCommentInvalid, RulingUnknown
from review.services.common import NotAReviewer, ReviewCredentialInactive
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import (
    SafetyLabelAlreadyDecided,
    SafetyLabelManagerInvolved,
    SafetyLabelNotOpen,
)
from tests.annotation_setup import join
from tests.conftest import make_person
from tests.review_setup import safety_setup

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestApprovals:
    def test_a_label_without_approval_is_never_exported(self, manager):
        task, _, _ = safety_setup(manager, name="Zero")
        assert SafetyLabel.objects.filter(task_id=task.pk).count() == 3
        assert list(export_rows(task)) == []

    def test_one_approval_of_one_needed_exports_the_label(self, manager):
        task, _, (first, _) = safety_setup(manager, name="One")
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        assert safety_label_approve(reviewer=first, label_id=label.pk).status == "approved"
        rows = list(export_rows(task))
        assert [row["item_id"] for row in rows] == [label.item_id]
        assert rows[0]["review_outcome"] == "approved by 1 reviewer(s)"
        assert AuditEvent.objects.filter(action="safety_label.approve",
                                         data__label=label.pk).exists()

    def test_two_needed_from_distinct_reviewers_and_one_reviewer_counts_once(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Two", approvals=2)
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        assert safety_label_approve(reviewer=first, label_id=label.pk).status == "submitted"
        with pytest.raises(SafetyLabelAlreadyDecided, match="counts once"):
            safety_label_approve(reviewer=first, label_id=label.pk)
        assert list(export_rows(task)) == []
        assert safety_approval_next(reviewer=first, task_id=task.pk).pk != label.pk
        assert safety_label_approve(reviewer=second, label_id=label.pk).status == "approved"
        assert len(list(export_rows(task))) == 1

    def test_the_annotator_never_approves_their_own_label(self, manager):
        task, annotator, _ = safety_setup(manager, name="Self")
        label = SafetyLabel.objects.filter(task_id=task.pk).first()
        with pytest.raises(NotAReviewer):
            safety_label_approve(reviewer=annotator, label_id=label.pk)
        # Even a row forced into the store does not make the label exportable.
        SafetyApproval.objects.create(label=label, reviewer_id=annotator.pk,
                                      decision="approve", created_at=label.submitted_at)
        SafetyLabel.objects.filter(pk=label.pk).update(status="approved")
        assert list(export_rows(task)) == []

    def test_a_suspended_reviewer_approves_no_more_but_earlier_approvals_count(self, manager):
        task, _, (first, _second) = safety_setup(manager, name="Suspended")
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        credential = first.credentials.get(kind="safety_review")

        credential_suspend(actor=manager, reason="Under audit", credential_id=credential.pk)

        approval = SafetyApproval.objects.get(label=label, reviewer_id=first.pk)
        assert (approval.credential_id, approval.credential_status) == (credential.pk, "active")
        assert [row["item_id"] for row in export_rows(task)] == [label.item_id]
        other = SafetyLabel.objects.filter(task_id=task.pk, status="submitted").first()
        with pytest.raises(ReviewCredentialInactive):
            safety_label_approve(reviewer=first, label_id=other.pk)

    def test_a_rejection_sends_the_item_back_for_a_new_label(self, manager):
        task, annotator, (first, _) = safety_setup(manager, name="Reject")
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        with pytest.raises(DecisionCommentInvalid, match="Say why"):
            safety_label_reject(reviewer=first, label_id=label.pk, comment=" ")
        assert safety_label_reject(reviewer=first, label_id=label.pk,
                                   comment="A.2.b applies").status == "rejected"
        item = Item.objects.get(pk=label.item_id)
        assert (item.open_slots, item.labels_done) == (1, 0)
        lease = lease_next(user=annotator, task_id=task.pk)
        assert lease.item_id == item.pk
        assert list(export_rows(task)) == []

    def test_disagreement_goes_to_a_manager_who_rules(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Disagree", approvals=2)
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        assert safety_label_reject(reviewer=second, label_id=label.pk,
                                   comment="Not safe").status == "escalated"
        with pytest.raises(NotAReviewer):
            safety_label_rule(manager=first, label_id=label.pk, decision="approve",
                              comment="Mine")
        ruled = safety_label_rule(manager=manager, label_id=label.pk, decision="approve",
                                  comment="The rejection misread A.3.c")
        # The ruling is not an approval: one reviewer approved, two are needed.
        assert ruled.status == "submitted"
        assert list(export_rows(task)) == []
        third = make_person("disagree.rev2", Role.REVIEWER)
        join(manager, task, third, "review")
        assert safety_label_approve(reviewer=third, label_id=label.pk).status == "approved"
        assert len(list(export_rows(task))) == 1

    def test_a_reviewer_may_escalate_and_a_manager_may_reject(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Escalate")
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        safety_label_escalate_to_manager(reviewer=first, label_id=label.pk,
                                         comment="Unsure between A.1.c and A.1.d")
        assert safety_approval_next(reviewer=first, task_id=task.pk).pk != label.pk
        ruled = safety_label_rule(manager=manager, label_id=label.pk, decision="reject",
                                  comment="It is A.1.c")
        assert ruled.status == "rejected"
        assert Item.objects.get(pk=label.item_id).open_slots == 1


class TestEscalation:
    def test_a_reviewer_who_voted_cannot_escalate_as_well(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Votedesc", items=1, approvals=2)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)

        with pytest.raises(SafetyLabelAlreadyDecided, match="counts once"):
            safety_label_escalate_to_manager(reviewer=first, label_id=label.pk,
                                             comment="Unsure after all")

        label.refresh_from_db()
        assert label.status == "submitted"
        assert list(SafetyApproval.objects.filter(label=label)
                    .values_list("decision", flat=True)) == ["approve"]


class TestReconciler:
    def test_a_crash_after_the_safety_commit_is_repaired(self, manager, monkeypatch):
        from review.services.approvals import safety_decisions_reconcile

        task, _, (first, _) = safety_setup(manager, name="Crash", items=2)
        label = safety_approval_next(reviewer=first, task_id=task.pk)

        def crash(**kwargs):
            raise RuntimeError("power cut")

        monkeypatch.setattr("review.services.approvals._after_decision", crash)
        with pytest.raises(RuntimeError):
            safety_label_reject(reviewer=first, label_id=label.pk, comment="A.4.d applies")
        assert SafetyLabel.objects.get(pk=label.pk).status == "rejected"
        assert Item.objects.get(pk=label.item_id).open_slots == 0
        monkeypatch.undo()

        assert safety_decisions_reconcile() == 2
        approval = SafetyApproval.objects.get(label=label)
        assert AuditEvent.objects.filter(target_type="safety_approval",
                                         target_id=str(approval.pk)).exists()
        assert Item.objects.get(pk=label.item_id).open_slots == 1
        assert safety_decisions_reconcile() == 0


class TestRulingsAndRequirements:
    def test_a_manager_may_rule_twice_but_never_on_a_label_they_wrote(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Twice", approvals=2)
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        safety_label_reject(reviewer=second, label_id=label.pk, comment="No")
        assert safety_label_rule(manager=manager, label_id=label.pk, decision="approve",
                                 comment="Overruled").status == "submitted"
        third = make_person("twice.rev2", Role.REVIEWER)
        join(manager, task, third, "review")
        assert safety_label_reject(reviewer=third, label_id=label.pk,
                                   comment="Still no").status == "escalated"
        assert safety_label_rule(manager=manager, label_id=label.pk, decision="reject",
                                 comment="Agreed now").status == "rejected"
        # A manager who wrote the label does not rule on it.
        own = SafetyLabel.objects.filter(task_id=task.pk, status="submitted").first()
        SafetyLabel.objects.filter(pk=own.pk).update(annotator_id=manager.pk)
        safety_label_escalate_to_manager(reviewer=first, label_id=own.pk, comment="Unsure")
        with pytest.raises(SafetyLabelManagerInvolved, match="another manager"):
            safety_label_rule(manager=manager, label_id=own.pk, decision="approve",
                              comment="Mine is fine")

    def test_an_approved_label_short_of_approvals_goes_back_to_the_queue(self, manager):
        from annotation.models import Task
        task, _, (first, second) = safety_setup(manager, name="Raised", items=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        assert len(list(export_rows(task))) == 1
        Task.objects.filter(pk=task.pk).update(required_approvals=2)
        task.refresh_from_db()
        assert list(export_rows(task)) == []
        assert safety_approval_next(reviewer=second, task_id=task.pk).pk == label.pk
        assert safety_approval_next(reviewer=first, task_id=task.pk) is None
        assert safety_label_approve(reviewer=second, label_id=label.pk).status == "approved"
        assert len(list(export_rows(task))) == 1

    def test_escalations_are_kept_and_audited(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Kept", items=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_escalate_to_manager(reviewer=first, label_id=label.pk, comment="Unsure")
        request = SafetyApproval.objects.get(label=label)
        assert request.decision == "escalate"
        assert AuditEvent.objects.filter(target_type="safety_approval",
                                         target_id=str(request.pk)).exists()
        with pytest.raises(SafetyLabelNotOpen):
            safety_label_approve(reviewer=first, label_id=label.pk)


class TestReconcilersAgree:
    def test_a_rejected_item_stays_in_the_pool_through_both_sweeps(self, manager):
        from annotation.services import safety_labels_reconcile
        from review.services.approvals import safety_decisions_reconcile

        task, annotator, (first, _) = safety_setup(manager, name="Agree", items=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_reject(reviewer=first, label_id=label.pk, comment="A.4.d")
        for _ in range(2):
            assert safety_labels_reconcile() == 0
            assert safety_decisions_reconcile() == 0
        item = Item.objects.get(pk=label.item_id)
        assert (item.open_slots, item.labels_done) == (1, 0)
        assert lease_next(user=annotator, task_id=task.pk).item_id == item.pk


class TestRulingLoopholes:
    def test_a_ruling_is_approve_or_reject_and_never_followed_by_the_managers_vote(
            self, manager):
        task, _, (first, second) = safety_setup(manager, name="Loophole", approvals=2)
        label = safety_approval_next(reviewer=first, task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        safety_label_reject(reviewer=second, label_id=label.pk, comment="No")
        with pytest.raises(RulingUnknown):
            safety_label_rule(manager=manager, label_id=label.pk, decision="escalate",
                              comment="Pass it on")
        safety_label_rule(manager=manager, label_id=label.pk, decision="approve",
                          comment="Overruled")
        from safety_labels.services import safety_label_decide
        with pytest.raises(SafetyLabelAlreadyDecided, match="ruled on this label"):
            safety_label_decide(label_id=label.pk, reviewer_id=manager.pk, decision="approve",
                                comment="", required_approvals=2, now=label.submitted_at,
                                credential_id=1, credential_status="active")

    def test_a_lone_reviewer_who_escalated_may_approve_after_the_ruling(self, manager):
        task, _, (first,) = safety_setup(manager, name="Lone", items=1, reviewers=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_escalate_to_manager(reviewer=first, label_id=label.pk, comment="Unsure")
        assert safety_label_rule(manager=manager, label_id=label.pk, decision="approve",
                                 comment="It is fine").status == "submitted"
        assert safety_approval_next(reviewer=first, task_id=task.pk).pk == label.pk
        assert safety_label_approve(reviewer=first, label_id=label.pk).status == "approved"
        assert len(list(export_rows(task))) == 1

    def test_a_label_short_of_approvals_may_be_escalated(self, manager):
        from annotation.models import Task
        task, _, (first, second) = safety_setup(manager, name="Shortesc", items=1)
        label = SafetyLabel.objects.get(task_id=task.pk)
        safety_label_approve(reviewer=first, label_id=label.pk)
        Task.objects.filter(pk=task.pk).update(required_approvals=2)
        assert safety_approval_next(reviewer=second, task_id=task.pk).pk == label.pk
        assert safety_label_escalate_to_manager(reviewer=second, label_id=label.pk,
                                                comment="Unsure").status == "escalated"


class TestQualityWithdrawalRepair:
    def test_the_reconciler_withdraws_what_a_failed_follow_up_left(self, manager, monkeypatch):
        from decimal import Decimal

        from review.models import QualityPolicy
        from review.services import quality_evaluate
        from review.services.approvals import safety_decisions_reconcile

        QualityPolicy.objects.filter(kind="safety_annotate").update(
            threshold=Decimal("0.1"), minimum_checks=1)
        task, annotator, (first, _) = safety_setup(manager, name="Repairq", items=3)
        label = SafetyLabel.objects.filter(task_id=task.pk).first()
        safety_label_reject(reviewer=first, label_id=label.pk, comment="A.4.d")
        quality_evaluate(user_id=annotator.pk, kind="safety_annotate")   # follow-up never ran
        assert annotator.credentials.get(kind="safety_annotate").status == "suspended"
        assert SafetyLabel.objects.filter(task_id=task.pk, status="submitted").count() == 2

        safety_decisions_reconcile()

        assert not SafetyLabel.objects.filter(task_id=task.pk, status="submitted").exists()
        assert set(Item.objects.filter(task=task).values_list("open_slots", flat=True)) == {1}
