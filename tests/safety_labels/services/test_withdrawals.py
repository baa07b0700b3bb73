"""Approvals withdrawn with the credential they were given under, and labels withdrawn with
their annotator's credential."""

import pytest

from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import (
    safety_approvals_withdraw,
    safety_labels_mark_exported,
    safety_labels_withdraw,
)
from tests.safety_labels.labels import ANNOTATOR, FIRST, NOW, SECOND, TASK, decide, submitted_label

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def withdraw(reviewer_id: int, *, required: int = 1) -> list[SafetyApproval]:
    return safety_approvals_withdraw(credential_ids=[100 + reviewer_id], reason="revoked",
                                     now=NOW, required_by_task={TASK: required})


class TestSafetyApprovalsWithdraw:
    def test_a_label_left_short_of_approvals_goes_back_to_the_queue(self):
        label = submitted_label()
        decide(label, FIRST)

        withdrawn = withdraw(FIRST)

        assert [approval.reviewer_id for approval in withdrawn] == [FIRST]
        assert SafetyLabel.objects.get(pk=label.pk).status == "submitted"
        assert SafetyApproval.objects.get(label=label).withdrawn_reason == "revoked"

    def test_a_label_with_enough_approvals_left_stays_approved(self):
        label = submitted_label()
        decide(label, FIRST, required=2)
        decide(label, SECOND, required=2)

        withdraw(FIRST, required=1)

        assert SafetyLabel.objects.get(pk=label.pk).status == "approved"

    def test_an_exported_label_keeps_its_approvals(self):
        label = submitted_label()
        decide(label, FIRST)
        safety_labels_mark_exported(label_ids=[label.pk], at=NOW)

        assert withdraw(FIRST) == []

        assert SafetyLabel.objects.get(pk=label.pk).status == "approved"

    def test_withdrawing_again_changes_nothing(self):
        label = submitted_label()
        decide(label, FIRST)
        withdraw(FIRST)

        assert withdraw(FIRST) == []


class TestSafetyLabelsWithdraw:
    def test_withdraws_only_the_annotators_undecided_labels(self):
        undecided, decided = submitted_label(), submitted_label()
        someone_elses = submitted_label(annotator_id=ANNOTATOR + 1)
        decide(decided, FIRST)

        lease_ids = safety_labels_withdraw(annotator_id=ANNOTATOR)

        assert lease_ids == [undecided.lease_id]
        assert dict(SafetyLabel.objects.filter(
            pk__in=[undecided.pk, decided.pk, someone_elses.pk]).values_list("pk", "status")) \
            == {undecided.pk: "superseded", decided.pk: "approved",
                someone_elses.pk: "submitted"}
