"""Which approvals count (invariant 5), asked of the store and of one approval read from it:
the two answers agree."""

import pytest

from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.selectors import (
    awaiting_approval,
    counted_approval_count,
    counted_approvals,
    counted_approvals_by_label,
)
from tests.safety_labels.labels import (
    ANNOTATOR,
    FIRST,
    MANAGER,
    NOW,
    SECOND,
    TASK,
    THIRD,
    decide,
    submitted_label,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def add(label: SafetyLabel, reviewer_id: int, decision: str = "approve", **fields):
    """An approval row as an older version, or a forged write, could have left it."""
    return SafetyApproval.objects.create(label=label, reviewer_id=reviewer_id,
                                         decision=decision, created_at=NOW, **fields)


@pytest.fixture
def mixed() -> SafetyLabel:
    """A label with one approval of each kind, counted or not."""
    label = submitted_label()
    add(label, FIRST, credential_id=101)                               # counts
    add(label, SECOND, "reject", credential_id=102)
    add(label, THIRD, credential_id=103, withdrawn_at=NOW)
    add(label, THIRD + 1)                                              # no credential
    add(label, MANAGER, adjudication=True, credential_id=190)
    add(label, ANNOTATOR, credential_id=100 + ANNOTATOR)               # the annotator's own
    add(label, THIRD + 2, "escalate", credential_id=105)
    return label


class TestCountedApprovals:
    def test_the_query_and_the_predicate_agree(self, mixed):
        approvals = list(SafetyApproval.objects.filter(label=mixed))

        counted = set(counted_approvals().filter(label=mixed).values_list("pk", flat=True))

        assert counted == {approval.pk for approval in approvals if approval.counts_for(mixed)}
        assert [SafetyApproval.objects.get(pk=pk).reviewer_id for pk in counted] == [FIRST]

    def test_counts_the_reviewers_whose_approvals_count(self, mixed):
        other = submitted_label()
        add(other, SECOND, credential_id=102)
        add(other, THIRD, credential_id=103)

        assert counted_approval_count(label_id=mixed.pk) == 1
        assert counted_approval_count(label_id=other.pk) == 2
        by_label = counted_approvals_by_label(label_ids=[mixed.pk, other.pk])
        assert {label_id: [approval.reviewer_id for approval in approvals]
                for label_id, approvals in by_label.items()} == \
            {mixed.pk: [FIRST], other.pk: [SECOND, THIRD]}

    def test_a_label_without_counted_approvals_has_no_entry(self):
        label = submitted_label()
        add(label, SECOND, "reject", credential_id=102)

        assert counted_approvals_by_label(label_ids=[label.pk]) == {}
        assert counted_approval_count(label_id=label.pk) == 0


class TestAwaitingApproval:
    def test_holds_submitted_labels_and_approved_ones_short_of_approvals(self):
        submitted, short, enough, rejected = (submitted_label() for _ in range(4))
        decide(short, FIRST)
        decide(enough, FIRST, required=2)
        decide(enough, SECOND, required=2)
        decide(rejected, FIRST, "reject")
        elsewhere = submitted_label(task_id=TASK + 1)

        waiting = awaiting_approval(task_id=TASK, required=2)

        assert set(waiting.values_list("pk", flat=True)) == {submitted.pk, short.pk}
        assert elsewhere.pk not in set(waiting.values_list("pk", flat=True))
