"""Batch decisions and withdrawals through the API: the numbers, the evidence with the risks
behind it (read from the safety database), and who may read them."""

import pytest
from django.urls import reverse

from review.models import BatchDecision
from review.services import safety_label_approve
from tests.review_setup import (
    SHARED,
    as_user,
    batch_states,
    check_all,
    functional_with,
    review_task,
    safety_label_on,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestDecisionDetailApi:
    def test_reads_the_codes_of_illegal_content_from_the_safety_database(self, manager):
        task, _, reviewer = review_task(manager, name="Codes", items=3, batch_size=3)
        first = samples_of(task).get().item_ids[0]
        check_all(reviewer, task, {first: ("illegal", "", ["A.1.c", "A.5.a"])})
        decision = BatchDecision.objects.get(batch__task=task)

        body = as_user(manager).get(reverse("api:review:decision-detail",
                                            args=[decision.pk])).json()

        assert body["outcome"] == "invalidated"
        assert body["illegal_risks"] == {str(first): ["A.1.c", "A.5.a"]}
        assert "A.1.c" not in str(decision.evidence)


class TestDecisionListApi:
    def test_reads_risk_codes_once_per_database(self, manager, django_assert_max_num_queries):
        task, _, reviewer = review_task(manager, name="Manydecisions", items=12, batch_size=2)
        check_all(reviewer, task, {item: ("illegal", "", ["A.1.a"])
                                   for sample in samples_of(task) for item in sample.item_ids})
        client = as_user(manager)
        url = reverse("api:review:decision-list", args=[task.pk])

        with django_assert_max_num_queries(12):
            body = client.get(url).json()

        assert len(body["results"]) == 6
        assert all(decision["illegal_risks"] for decision in body["results"])


class TestWithdrawalApi:
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

    def test_workers_see_no_withdrawals(self, reviewer):
        response = as_user(reviewer).get(reverse("api:review:withdrawal-list"))

        assert response.status_code == 404
