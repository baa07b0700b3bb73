"""Illegal and unhealthy content is A.1 to A.4; A.5 is not illegal. Content judged illegal
anywhere invalidates every functional batch that holds it; one already exported is listed
for withdrawal from the training data."""

import uuid

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.models import Batch
from annotation.services import lease_next, lease_submit
from annotators.models import Role
from review.models import BatchDecision, SampleCheck
from review.services import export_job_create, safety_label_approve
from review.services.approvals import safety_decisions_reconcile
from review.services.common import ReviewInvalid
from safety_labels.models import SafetyApproval, SafetyLabel, VerdictRisk
from safety_labels.services import safety_label_decide
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person
from tests.review_setup import batch_states, check_all, review_task, samples_of
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

SHARED = ["A shared sentence that turns out to be harmful.", "A second, harmless sentence."]


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

    def test_an_a1_to_a4_code_with_an_inaccurate_verdict_is_refused(self, manager):
        task, _, reviewer = review_task(manager, name="Mixed", items=3, batch_size=3)
        client = APIClient()
        client.force_authenticate(reviewer)
        check = client.post(reverse("api:review:sample-check-next", args=[task.pk])).json()

        response = client.post(reverse("api:review:sample-check-verdict", args=[check["id"]]),
                               {"verdict": "inaccurate", "note": "x",
                                "risk_codes": ["A.2.a"]}, format="json")

        assert response.status_code == 400
        assert response.json()["detail"] == {"risk_codes": ["A.2.a"]}
        assert SampleCheck.objects.get(pk=check["id"]).verdict == ""

    def test_illegal_content_invalidates_and_its_codes_are_read_from_the_safety_database(
            self, manager):
        task, _, reviewer = review_task(manager, name="Codes", items=3, batch_size=3)
        first = samples_of(task).get().item_ids[0]
        check_all(reviewer, task, {first: ("illegal", "", ["A.1.c", "A.5.a"])})
        client = APIClient()
        client.force_authenticate(manager)
        decision = BatchDecision.objects.get(batch__task=task)

        body = client.get(reverse("api:review:decision-detail", args=[decision.pk])).json()

        assert body["outcome"] == "invalidated"
        assert body["illegal_risks"] == {str(first): ["A.1.c", "A.5.a"]}
        assert "A.1.c" not in str(decision.evidence)


def functional_with(manager, name: str, *, export: bool = False):
    """A functional task whose one batch holds the shared texts, labelled and, if asked,
    accepted and exported."""
    task = make_task(manager, kind="functional", name=name, batch_size=10,
                     minimum_seconds_per_item=0)
    add_items(manager, task, SHARED)
    person = make_person(f"{name.lower()}.ann", Role.ANNOTATOR)
    join(manager, task, person)
    if export:
        reviewer = make_person(f"{name.lower()}.rev", Role.REVIEWER)
        join(manager, task, reviewer, "review")
        with TestCase.captureOnCommitCallbacks(execute=True):
            while (lease := lease_next(user=person, task_id=task.pk)) is not None:
                lease_submit(user=person, lease_id=lease.pk, client_id=uuid.uuid4(),
                             label=GOOD_FUNCTIONAL)
        check_all(reviewer, task)
        with TestCase.captureOnCommitCallbacks(execute=True):
            export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        assert Batch.objects.get(task=task).first_exported_at is not None
    return task


def safety_label_on(manager, codes: list[str], *, name: str = "Screen"):
    """A safety task holding the shared texts, its first item labelled with ``codes``, and
    a reviewer of it."""
    task = make_task(manager, kind="safety", name=name, minimum_seconds_per_item=0)
    add_items(manager, task, SHARED)
    annotator = make_person(f"{name.lower()}.ann", Role.ANNOTATOR)
    reviewer = make_person(f"{name.lower()}.rev", Role.REVIEWER)
    join(manager, task, annotator)
    join(manager, task, reviewer, "review")
    lease = lease_next(user=annotator, task_id=task.pk)
    lease_submit(user=annotator, lease_id=lease.pk, client_id=uuid.uuid4(),
                 label={"risk_codes": codes})
    return SafetyLabel.objects.get(lease_id=lease.pk), reviewer


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

    def test_an_exported_batch_is_listed_for_withdrawal_by_page_and_api(self, manager,
                                                                        manager_client):
        exported = functional_with(manager, "Shipped", export=True)
        label, reviewer = safety_label_on(manager, ["A.3.a"])

        safety_label_approve(reviewer=reviewer, label_id=label.pk)

        decision = BatchDecision.objects.get(batch__task=exported, cause="safety_label")
        assert decision.exported_before
        assert batch_states(exported) == ["invalidated"]
        listed = manager_client.get(reverse("api:review:withdrawal-list")).json()["results"]
        assert [row["id"] for row in listed] == [decision.pk]
        labels = manager_client.get(reverse("api:review:withdrawal-labels",
                                            args=[decision.pk])).json()["results"]
        assert len(labels) == len(SHARED)
        assert all(row["annotator"].startswith("p-") for row in labels)
        page = manager_client.get(reverse("review:withdrawal-detail", args=[decision.pk]))
        assert "A.3.a" in page.content.decode()
        assert labels[0]["external_id"] in page.content.decode()

    def test_workers_see_no_withdrawals(self, manager, reviewer):
        client = APIClient()
        client.force_authenticate(reviewer)

        assert client.get(reverse("api:review:withdrawal-list")).status_code == 404

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
    from review.services import sample_check_record

    with pytest.raises(ReviewInvalid, match="Name the risk categories"):
        sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal")


class TestVerdictRisksAreKept:
    @pytest.mark.parametrize(("verdict", "codes"), [("accurate", []), ("illegal", ["A.4.a"])])
    def test_a_refused_second_verdict_leaves_the_first_ones_codes(self, manager, verdict,
                                                                 codes):
        from review.selectors import decision_risk_codes

        task, _, reviewer = review_task(manager, name="Evidence", items=3, batch_size=3)
        first = samples_of(task).get().item_ids[0]
        check_all(reviewer, task, {first: ("illegal", "", ["A.1.c"])})
        check = SampleCheck.objects.get(item_id=first)
        decision = BatchDecision.objects.get(batch__task=task)
        client = APIClient()
        client.force_authenticate(reviewer)

        response = client.post(reverse("api:review:sample-check-verdict", args=[check.pk]),
                               {"verdict": verdict, "risk_codes": codes}, format="json")

        assert response.status_code == 409
        assert decision_risk_codes(decision=decision) == {first: ["A.1.c"]}
        assert VerdictRisk.objects.filter(check_id=check.pk).count() == 1


def test_a_batch_invalidated_while_an_export_carries_it_is_listed_for_withdrawal(manager):
    from unittest import mock

    from django.db import transaction

    from annotation.services.rework import batch_lock
    from review.selectors import withdrawal_list
    from review.services import exports
    from review.services.checks import batch_invalidate

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


def test_the_decision_list_reads_risk_codes_once_per_database(manager,
                                                             django_assert_max_num_queries):
    task, _, reviewer = review_task(manager, name="Manydecisions", items=12, batch_size=2)
    check_all(reviewer, task, {item: ("illegal", "", ["A.1.a"])
                               for sample in samples_of(task) for item in sample.item_ids})
    client = APIClient()
    client.force_authenticate(manager)
    url = reverse("api:review:decision-list", args=[task.pk])

    with django_assert_max_num_queries(12):
        body = client.get(url).json()

    assert len(body["results"]) == 6
    assert all(decision["illegal_risks"] for decision in body["results"])
