import pytest
from django.test import Client, TestCase
from django.urls import reverse

from annotation.models import Item
from review.models import BatchDecision, SampleCheck
from review.services import export_job_create
from safety_labels.models import SafetyLabel
from tests.review.test_safety_approvals import safety_setup
from tests.review_setup import check_all, review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestCheckQueuePage:
    def test_shows_the_item_escaped_the_label_and_the_rules_and_records_a_verdict(
            self, manager):
        task, _, reviewer = review_task(manager, name="Page checks", items=4, batch_size=4)
        Item.objects.filter(task=task).update(text=HOSTILE)
        client = as_user(reviewer)
        page = client.get(reverse("review:check-queue", args=[task.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html
        assert "Review guidance" in html
        assert 'data-key="1"' in html
        check = page.context["check"]
        response = client.post(reverse("review:check-queue", args=[task.pk]),
                               {"check": check.pk, "verdict": "inaccurate", "note": ""})
        assert response.status_code == 302
        assert SampleCheck.objects.get(pk=check.pk).verdict == ""
        client.post(reverse("review:check-queue", args=[task.pk]),
                    {"check": check.pk, "verdict": "inaccurate", "note": "Order is wrong"})
        assert SampleCheck.objects.get(pk=check.pk).verdict == "inaccurate"

    def test_the_home_page_lists_the_reviewers_queues(self, manager):
        task, people, reviewer = review_task(manager, name="Page home", items=4, batch_size=4)
        html = as_user(reviewer).get(reverse("review:home")).content.decode()
        assert reverse("review:check-queue", args=[task.pk]) in html
        annotator_page = as_user(people[0]).get(reverse("review:check-queue", args=[task.pk]))
        assert annotator_page.status_code == 302


class TestApprovalQueuePage:
    def test_approve_and_reject_through_the_page(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Pageappr", items=2)
        client = as_user(first)
        page = client.get(reverse("review:approval-queue", args=[task.pk]))
        label = page.context["label"]
        assert 'data-key="a"' in page.content.decode()
        client.post(reverse("review:approval-queue", args=[task.pk]),
                    {"label": label.pk, "action": "approve"})
        assert SafetyLabel.objects.get(pk=label.pk).status == "approved"
        second = client.get(reverse("review:approval-queue", args=[task.pk])).context["label"]
        refused = client.post(reverse("review:approval-queue", args=[task.pk]),
                              {"label": second.pk, "action": "reject", "comment": ""},
                              follow=True)
        assert "Say why" in refused.content.decode()
        assert SafetyLabel.objects.get(pk=second.pk).status == "submitted"


class TestManagerPages:
    def test_board_sample_decision_quality_and_export_pages(self, manager):
        task, people, reviewer = review_task(manager, name="Page board", items=10,
                                             batch_size=5)
        sample = samples_of(task).first()
        check_all(reviewer, task, {sample.item_ids[0]: ("illegal", "", ["A.1.a"])})
        decision = BatchDecision.objects.get(sample=sample)
        client = as_user(manager)
        board = client.get(reverse("review:batch-board", args=[task.pk])).content.decode()
        assert "Invalidated" in board
        assert "Accepted" in board
        detail = client.get(reverse("review:sample-detail", args=[sample.pk])).content.decode()
        assert "the same items" in detail
        evidence = client.get(reverse("review:decision-detail", args=[decision.pk]))
        assert "A.1.a" in evidence.content.decode()
        person = client.get(reverse("review:quality-person", args=[people[0].pk]))
        assert person.status_code == 200
        assert "<svg" in person.content.decode()
        assert client.get(reverse("review:quality-list")).status_code == 200
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        exports = client.get(reverse("review:export-page", args=[task.pk])).content.decode()
        assert reverse("review:export-download", args=[job.pk]) in exports
        download = client.get(reverse("review:export-download", args=[job.pk]))
        lines = b"".join(download.streaming_content).decode().splitlines()
        assert len(lines) == 5  # the accepted batch only

    def test_workers_do_not_reach_manager_pages(self, manager):
        task, people, reviewer = review_task(manager, name="Page guard", items=4, batch_size=4)
        for user in (people[0], reviewer):
            client = as_user(user)
            assert client.get(reverse("review:quality-list")).status_code == 404
            assert client.get(reverse("review:export-page", args=[task.pk])).status_code == 404
            assert client.get(reverse("review:escalated")).status_code == 403
        assert as_user(people[0]).get(reverse("review:batch-board",
                                              args=[task.pk])).status_code == 404


def test_the_review_home_counts_waiting_work_in_a_fixed_number_of_queries(manager):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from tests.annotation_setup import join, make_task

    task, _, reviewer = review_task(manager, name="Counted", items=6, batch_size=6)
    safety, _, (first, _) = safety_setup(manager, name="Countsafe", items=3)
    assert "<td>3</td>" in as_user(first).get(reverse("review:home")).content.decode()
    reviewing = as_user(reviewer)

    def queries() -> int:
        with CaptureQueriesContext(connections["default"]) as main, \
                CaptureQueriesContext(connections["safety"]) as segregated:
            page = reviewing.get(reverse("review:home"))
        assert page.status_code == 200
        return len(main) + len(segregated)

    join(manager, safety, reviewer, "review")
    waiting = SampleCheck.objects.filter(sample__batch__task=task).count()
    assert f"<td>{waiting}</td>" in reviewing.get(reverse("review:home")).content.decode()
    two_tasks = queries()
    for name in ("Counted more", "Counted most"):
        join(manager, make_task(manager, kind="functional", name=name, items=2), reviewer,
             "review")
    assert queries() == two_tasks
