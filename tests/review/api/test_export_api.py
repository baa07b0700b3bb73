import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import TestCase
from django.urls import reverse

from annotation.models import FunctionalLabel
from audit.models import AuditEvent
from review.models import BatchDecision, ExportJob
from review.services import export_job_create
from tests.review_setup import (
    as_user,
    check_all,
    post_json,
    queries_to_get,
    review_task,
    safety_setup,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestExportListApi:
    def test_a_manager_exports_what_passed_and_every_step_is_audited(self, manager):
        task, people, reviewer = review_task(manager, name="Api export", items=6, batch_size=6)
        FunctionalLabel.objects.filter(task=task).update(payload={
            "ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 3,
            "reason": '=HYPERLINK("http://x","click")'})
        client = as_user(manager)
        with TestCase.captureOnCommitCallbacks(execute=True):
            started = post_json(client, reverse("api:review:export-list", args=[task.pk]),
                                {"format": "csv"})
        assert started.status_code == 202
        job = client.get(reverse("api:review:export-detail", args=[started.json()["id"]]))
        # Nothing passed review yet: the export is empty but for its header.
        assert job.json()["status"] == "done"
        assert job.json()["rows_done"] == 0
        check_all(reviewer, task)
        assert BatchDecision.objects.get(batch__task=task).outcome == "accepted"
        with TestCase.captureOnCommitCallbacks(execute=True):
            started = post_json(client, reverse("api:review:export-list", args=[task.pk]),
                                {"format": "csv"})
        download = client.get(reverse("api:review:export-download",
                                      args=[started.json()["id"]]))
        assert download.status_code == 200
        assert download["X-Content-Type-Options"] == "nosniff"
        text = b"".join(download.streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 6
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows
                   for cell in row.values())
        assert '=HYPERLINK' in rows[0]["label"]
        # Each annotator appears under a pseudonym of their own, never by name.
        assert all(row["annotator"].startswith("p-") for row in rows)
        assert len({row["annotator"] for row in rows}) == len(people)
        assert not any(person.username in text or person.get_full_name() in text
                       for person in people)
        actions = set(AuditEvent.objects.filter(target_type="review.exportjob")
                      .values_list("action", flat=True))
        assert {"export.started", "export.finished", "export.downloaded"} <= actions

    def test_a_task_the_worker_cannot_see_is_404(self, manager, reviewer):
        task, _, _ = safety_setup(manager, name="Apiexp", items=1)

        response = post_json(as_user(reviewer),
                             reverse("api:review:export-list", args=[task.pk]),
                             {"format": "jsonl"})

        assert response.status_code == 404
        assert not ExportJob.objects.filter(task=task).exists()

    def test_safety_exports_need_their_own_permission(self, manager):
        task, _, _ = safety_setup(manager, name="Apiown", items=1)
        managers = Group.objects.get(name="Managers")
        managers.permissions.remove(Permission.objects.get(codename="export_safety_labels"))
        manager = type(manager).objects.get(pk=manager.pk)

        response = post_json(as_user(manager),
                             reverse("api:review:export-list", args=[task.pk]),
                             {"format": "jsonl"})

        assert (response.status_code, response.json()["code"]) == (403, "export_not_allowed")
        assert "own permission" in response.json()["message"]
        assert not ExportJob.objects.filter(task=task).exists()

    def test_lists_a_page_of_exports_in_a_fixed_number_of_queries(
            self, manager, django_assert_num_queries):
        task, _, _ = review_task(manager, name="Api exports list", items=2, batch_size=2)
        client = as_user(manager)
        url = reverse("api:review:export-list", args=[task.pk])
        export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        main, safety = queries_to_get(client, url)
        for _ in range(5):
            export_job_create(actor=manager, task_id=task.pk, format="csv")

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            response = client.get(url)

        assert response.json()["count"] == 6
