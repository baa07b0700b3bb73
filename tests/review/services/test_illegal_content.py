"""Illegal and unhealthy content is A.1 to A.4; A.5 is not illegal. Content judged illegal
anywhere invalidates every functional batch that holds it; one already exported is listed
for withdrawal from the training data."""

from unittest import mock

import pytest
from django.db import transaction
from django.test import TestCase

from annotation.models import Batch
from annotation.services import lease_next
from annotation.services.rework import batch_lock
from review.models import BatchDecision, SampleCheck
from review.selectors import withdrawal_list
from review.services import export_job_create, exports, safety_label_approve, sample_check_record
from review.services.approvals import safety_decisions_reconcile
from review.services.checks import VerdictInvalid
from review.services.decisions import batch_invalidate
from safety_labels.models import SafetyApproval, VerdictRisk
from safety_labels.services import safety_label_decide
from tests.review_setup import (
    batch_states,
    check_all,
    functional_with,
    review_task,
    safety_label_on,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestASample:

    def test_a_verdict_naming_only_a5_counts_as_inaccurate_and_never_invalidates(self,
                                                                                 manager):
        task, _, reviewer = review_task(manager, name="Fivefive", items=5, batch_size=5)
        first = samples_of(task).get().item_ids[0]

        check_all(reviewer, task, {first: ("illegal", "", ["A.5.a"])})

        check = SampleCheck.objects.get(item_id=first)
        assert check.verdict == "inaccurate"
        assert VerdictRisk.objects.get(check_id=check.pk).risk_codes == ["A.5.a"]
        decision = BatchDecision.objects.get(batch__task=task)
        assert (decision.outcome, decision.items_illegal, decision.items_inaccurate) == \
            ("rework", 0, 1)
        assert batch_states(task) == ["annotating"]


class TestTheSameContentElsewhere:

    def test_an_approved_illegal_safety_label_invalidates_batches_holding_it_in_any_task(
            self, manager):
        open_task = functional_with(manager, "Holder")
        label, reviewer = safety_label_on(manager, ["A.2.b"])

        safety_label_approve(reviewer=reviewer, label_id=label.pk)

        assert batch_states(open_task) == ["invalidated"]
        decision = BatchDecision.objects.get(batch__task=open_task)
        assert (decision.cause, decision.outcome, decision.exported_before) == \
            ("safety_label", "invalidated", False)
        assert decision.evidence["safety_label"] == label.pk
        assert len(decision.evidence["illegal"]) == 1
        assert lease_next(user=open_task.memberships.get().user, task_id=open_task.pk) is None


    def test_an_a5_safety_label_invalidates_nothing(self, manager):
        open_task = functional_with(manager, "Unreliable")
        label, reviewer = safety_label_on(manager, ["A.5.b"])

        safety_label_approve(reviewer=reviewer, label_id=label.pk)

        assert batch_states(open_task) == ["annotating"]
        assert not BatchDecision.objects.filter(batch__task=open_task).exists()


    def test_a_label_not_yet_approved_invalidates_nothing(self, manager):
        open_task = functional_with(manager, "Pending")
        safety_label_on(manager, ["A.1.a"])

        assert batch_states(open_task) == ["annotating"]


    def test_the_reconciler_invalidates_when_the_follow_up_was_lost(self, manager):
        open_task = functional_with(manager, "Crash")
        label, reviewer = safety_label_on(manager, ["A.4.a"])
        credential = reviewer.credentials.get(kind="safety_review")
        # Committed in the safety database; the process died before the follow-up here.
        safety_label_decide(label_id=label.pk, reviewer_id=reviewer.pk, decision="approve",
                            comment="", required_approvals=1, now=label.submitted_at,
                            credential_id=credential.pk, credential_status="active")
        assert batch_states(open_task) == ["annotating"]

        safety_decisions_reconcile()

        assert batch_states(open_task) == ["invalidated"]
        assert SafetyApproval.objects.get(label=label).credential_id == credential.pk


def test_an_illegal_verdict_names_an_a1_to_a4_risk(manager):
    task, _, reviewer = review_task(manager, name="Noneillegal", items=2, batch_size=2)
    check = SampleCheck.objects.filter(sample__batch__task=task).first()

    with pytest.raises(VerdictInvalid, match="Name the risk categories"):
        sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal")


def test_a_batch_invalidated_while_an_export_carries_it_is_listed_for_withdrawal(manager):
    task = functional_with(manager, "Midway", export=True)
    batch = Batch.objects.get(task=task)
    rows = exports.export_rows

    def rows_then_found_illegal(task_, carried=None):
        yield from rows(task_, carried)
        with transaction.atomic():
            locked = batch_lock(batch.pk)
            batch_invalidate(batch=locked, cause="safety_label",
                             item_ids=list(locked.items.values_list("pk", flat=True)),
                             evidence_extra={"safety_label": 1})

    Batch.objects.filter(pk=batch.pk).update(first_exported_at=None)
    with mock.patch.object(exports, "export_rows", rows_then_found_illegal), \
            TestCase.captureOnCommitCallbacks(execute=True):
        export_job_create(actor=manager, task_id=task.pk, format="jsonl")

    decision = BatchDecision.objects.get(batch=batch, cause="safety_label")
    assert decision.exported_before
    assert withdrawal_list().filter(pk=decision.pk).exists()
