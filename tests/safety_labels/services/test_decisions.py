"""A label's decisions in the safety store alone: reviewers' votes, requests for a ruling and
managers' rulings, each settling the label under its lock."""

import pytest

from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import (
    SafetyLabelAlreadyDecided,
    SafetyLabelIsOwn,
    SafetyLabelManagerInvolved,
    SafetyLabelNotEscalated,
    SafetyLabelNotFound,
    SafetyLabelNotOpen,
    safety_label_adjudicate,
    safety_label_escalate,
)
from tests.safety_labels.labels import (
    ANNOTATOR,
    FIRST,
    MANAGER,
    NOW,
    SECOND,
    THIRD,
    decide,
    submitted_label,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def escalate(label: SafetyLabel, reviewer_id: int, *, required: int = 1):
    return safety_label_escalate(label_id=label.pk, reviewer_id=reviewer_id,
                                 comment="Unsure", now=NOW, required_approvals=required)


def rule(label: SafetyLabel, decision: str, *, manager_id: int = MANAGER, required: int = 1):
    return safety_label_adjudicate(label_id=label.pk, manager_id=manager_id, decision=decision,
                                   comment="Ruled so", required_approvals=required, now=NOW)


def votes(label: SafetyLabel) -> list[tuple[int, str, bool]]:
    return list(SafetyApproval.objects.filter(label=label).order_by("pk")
                .values_list("reviewer_id", "decision", "adjudication"))


class TestSafetyLabelDecide:
    def test_approves_once_the_required_number_of_reviewers_approved(self):
        label = submitted_label()

        after_first, _ = decide(label, FIRST, required=2)
        after_second, approval = decide(label, SECOND, required=2)

        assert (after_first.status, after_second.status) == ("submitted", "approved")
        assert (approval.credential_id, approval.credential_status) == (100 + SECOND, "active")

    def test_a_rejection_before_any_approval_rejects(self):
        label = submitted_label()

        rejected, _ = decide(label, FIRST, "reject")

        assert rejected.status == "rejected"

    def test_a_rejection_after_an_approval_escalates(self):
        label = submitted_label()
        decide(label, FIRST, required=2)

        disputed, _ = decide(label, SECOND, "reject", required=2)

        assert disputed.status == "escalated"

    def test_an_approved_label_short_of_approvals_takes_another(self):
        label = submitted_label()
        decide(label, FIRST)

        approved, _ = decide(label, SECOND, required=2)

        assert approved.status == "approved"
        assert [vote[0] for vote in votes(label)] == [FIRST, SECOND]

    def test_refuses_the_labels_annotator(self):
        label = submitted_label()

        with pytest.raises(SafetyLabelIsOwn):
            decide(label, ANNOTATOR)

        assert votes(label) == []

    def test_refuses_a_second_vote_of_one_reviewer(self):
        label = submitted_label()
        decide(label, FIRST, required=2)

        with pytest.raises(SafetyLabelAlreadyDecided, match="counts once"):
            decide(label, FIRST, "reject", required=2)

        assert votes(label) == [(FIRST, "approve", False)]
        assert SafetyLabel.objects.get(pk=label.pk).status == "submitted"

    @pytest.mark.parametrize("decision", ["reject", "approve"])
    def test_refuses_a_label_that_takes_no_decision(self, decision):
        label = submitted_label()
        decide(label, FIRST, decision)

        with pytest.raises(SafetyLabelNotOpen):
            decide(label, SECOND)

        assert [vote[0] for vote in votes(label)] == [FIRST]

    def test_refuses_an_unknown_label(self):
        with pytest.raises(SafetyLabelNotFound):
            decide(SafetyLabel(pk=987654), FIRST)


class TestSafetyLabelEscalate:
    def test_hands_the_label_to_a_manager_and_keeps_the_request(self):
        label = submitted_label()

        escalated, request = escalate(label, FIRST)

        assert escalated.status == "escalated"
        assert (request.decision, request.credential_id) == ("escalate", None)

    def test_refuses_a_reviewer_who_already_voted(self):
        label = submitted_label()
        decide(label, FIRST, required=2)

        with pytest.raises(SafetyLabelAlreadyDecided, match="counts once"):
            escalate(label, FIRST, required=2)

        assert votes(label) == [(FIRST, "approve", False)]
        assert SafetyLabel.objects.get(pk=label.pk).status == "submitted"

    def test_refuses_the_labels_annotator(self):
        label = submitted_label()

        with pytest.raises(SafetyLabelIsOwn):
            escalate(label, ANNOTATOR)

        assert SafetyLabel.objects.get(pk=label.pk).status == "submitted"

    def test_the_reviewer_who_asked_may_vote_once_the_manager_ruled(self):
        label = submitted_label()
        escalate(label, FIRST)
        rule(label, "approve")

        approved, _ = decide(label, FIRST)

        assert approved.status == "approved"


class TestSafetyLabelAdjudicate:
    def test_a_rejection_rejects(self):
        label = submitted_label()
        escalate(label, FIRST)

        ruled, ruling = rule(label, "reject")

        assert ruled.status == "rejected"
        assert (ruling.reviewer_id, ruling.adjudication) == (MANAGER, True)

    def test_an_approval_overrules_the_rejection_and_approves_with_enough_approvals(self):
        label = submitted_label()
        decide(label, FIRST, required=2)
        decide(label, SECOND, "reject", required=2)

        # The task has come to need one approval, which the label has.
        ruled, _ = rule(label, "approve", required=1)

        assert ruled.status == "approved"

    def test_the_ruling_never_counts_as_an_approval_itself(self):
        label = submitted_label()
        decide(label, FIRST, required=2)
        decide(label, SECOND, "reject", required=2)

        ruled, _ = rule(label, "approve", required=2)

        assert ruled.status == "submitted"
        approved, _ = decide(label, THIRD, required=2)
        assert approved.status == "approved"

    def test_refuses_a_label_not_escalated(self):
        label = submitted_label()

        with pytest.raises(SafetyLabelNotEscalated):
            rule(label, "approve")

        assert votes(label) == []

    @pytest.mark.parametrize("involvement", ["labelled", "reviewed"])
    def test_refuses_a_manager_who_labelled_or_reviewed_it(self, involvement):
        label = submitted_label(annotator_id=MANAGER if involvement == "labelled" else ANNOTATOR)
        if involvement == "reviewed":
            decide(label, MANAGER, required=2)
            decide(label, SECOND, "reject", required=2)
        else:
            escalate(label, FIRST)

        with pytest.raises(SafetyLabelManagerInvolved):
            rule(label, "approve")

        assert SafetyLabel.objects.get(pk=label.pk).status == "escalated"

    def test_a_manager_who_ruled_does_not_vote_afterwards(self):
        label = submitted_label()
        escalate(label, FIRST)
        rule(label, "approve", required=2)

        with pytest.raises(SafetyLabelAlreadyDecided, match="ruled on this label"):
            decide(label, MANAGER, required=2)
