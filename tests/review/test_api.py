import csv
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client, TestCase
from django.urls import reverse

from annotation.models import FunctionalLabel
from audit.models import AuditEvent
from review.models import BatchDecision, ExportJob, SampleCheck
from safety_labels.models import SafetyLabel
from tests.review.test_safety_approvals import safety_setup
from tests.review_setup import review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


class TestSampleChecksApi:
    def test_a_reviewer_checks_the_sample_and_the_manager_reads_the_decision(self, manager):
        task, _people, reviewer = review_task(manager, name="Api checks", items=8, batch_size=8)
        client = as_user(reviewer)
        next_url = reverse("api:review:sample-check-next", args=[task.pk])
        checked = 0
        while (response := post(client, next_url)).status_code == 200:
            check = response.json()
            assert check["item"]["text"].startswith("Api checks item")
            assert "payload" not in check["label"]
            verdict = post(client, reverse("api:review:sample-check-verdict",
                                           args=[check["id"]]), {"verdict": "accurate"})
            assert verdict.status_code == 200, verdict.json()
            checked += 1
        assert response.status_code == 204
        assert checked == len(samples_of(task).get().item_ids)
        decisions = as_user(manager).get(reverse("api:review:decision-list", args=[task.pk]))
        assert decisions.json()["results"][0]["outcome"] == "accepted"
        sample = as_user(manager).get(reverse("api:review:sample-detail",
                                              args=[samples_of(task).get().pk])).json()
        assert sample["redraw_matches"] is True

    def test_bad_verdicts_are_refused_and_change_nothing(self, manager):
        task, _, reviewer = review_task(manager, name="Api bad", items=5, batch_size=5)
        client = as_user(reviewer)
        check = post(client, reverse("api:review:sample-check-next", args=[task.pk])).json()
        url = reverse("api:review:sample-check-verdict", args=[check["id"]])
        for body, field, code in [({"verdict": "maybe"}, "verdict", "invalid"),
                                  ({"verdict": "inaccurate"}, "note", "review_invalid"),
                                  ({"verdict": "illegal"}, "risk_codes", "review_invalid")]:
            response = post(client, url, body)
            assert response.status_code == 400
            assert response.json()["code"] == code
            assert field in json.dumps(response.json()["detail"])
        assert not SampleCheck.objects.exclude(verdict="").exists()

    def test_annotators_and_strangers_get_404(self, manager, reviewer):
        task, people, _ = review_task(manager, name="Api who", items=5, batch_size=5)
        check = SampleCheck.objects.filter(sample__batch__task=task).first()
        for user in (people[0], reviewer):
            client = as_user(user)
            assert post(client, reverse("api:review:sample-check-next",
                                        args=[task.pk])).status_code == 404
            assert post(client, reverse("api:review:sample-check-verdict", args=[check.pk]),
                        {"verdict": "accurate"}).status_code == 404
            assert client.get(reverse("api:review:decision-list",
                                      args=[task.pk])).status_code == 404
        check.refresh_from_db()
        assert check.verdict == ""


class TestSafetyApprovalsApi:
    def test_approve_reject_escalate_and_adjudicate(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Apisafe", items=3)
        client = as_user(first)
        label = post(client, reverse("api:review:safety-approval-next", args=[task.pk])).json()
        assert label["item"]["text"]
        approve = post(client, reverse("api:review:safety-label-approve",
                                       args=[label["label"]["id"]]))
        assert approve.json()["status"] == "approved"
        again = post(client, reverse("api:review:safety-label-approve",
                                     args=[label["label"]["id"]]))
        assert again.status_code == 409
        other = post(client, reverse("api:review:safety-approval-next", args=[task.pk])).json()
        refused = post(client, reverse("api:review:safety-label-reject",
                                       args=[other["label"]["id"]]), {"comment": ""})
        assert refused.status_code == 400
        escalated = post(client, reverse("api:review:safety-label-escalate",
                                         args=[other["label"]["id"]]), {"comment": "Unsure"})
        assert escalated.json()["status"] == "escalated"
        assert as_user(manager).get(reverse("api:review:escalated-list")).json()["count"] == 1
        url = reverse("api:review:safety-label-adjudicate", args=[other["label"]["id"]])
        assert post(as_user(second), url, {"decision": "reject",
                                           "comment": "No"}).status_code == 404
        ruled = post(as_user(manager), url, {"decision": "reject", "comment": "It is A.2.a"})
        assert ruled.json()["status"] == "rejected"


class TestExportApi:
    def test_a_manager_exports_what_passed_and_every_step_is_audited(self, manager):
        task, people, reviewer = review_task(manager, name="Api export", items=6, batch_size=6)
        FunctionalLabel.objects.filter(task=task).update(payload={
            "ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 3,
            "reason": '=HYPERLINK("http://x","click")'})
        client = as_user(manager)
        with TestCase.captureOnCommitCallbacks(execute=True):
            started = post(client, reverse("api:review:export-list", args=[task.pk]),
                           {"format": "csv"})
        assert started.status_code == 202
        job = client.get(reverse("api:review:export-detail", args=[started.json()["id"]]))
        # Nothing passed review yet: the export is empty but for its header.
        assert job.json()["status"] == "done"
        assert job.json()["rows_done"] == 0
        from tests.review_setup import check_all
        check_all(reviewer, task)
        assert BatchDecision.objects.get(batch__task=task).outcome == "accepted"
        with TestCase.captureOnCommitCallbacks(execute=True):
            started = post(client, reverse("api:review:export-list", args=[task.pk]),
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
        assert all(row["annotator"].startswith("p-") for row in rows)
        assert str(people[0].pk) not in {row["annotator"] for row in rows}
        actions = set(AuditEvent.objects.filter(target_type="review.exportjob")
                      .values_list("action", flat=True))
        assert {"export.started", "export.finished", "export.downloaded"} <= actions

    def test_workers_cannot_export_and_safety_exports_need_their_own_permission(
            self, manager, reviewer):
        task, _, _ = safety_setup(manager, name="Apiexp", items=1)
        assert post(as_user(reviewer), reverse("api:review:export-list", args=[task.pk]),
                    {"format": "jsonl"}).status_code in (403, 404)
        managers = Group.objects.get(name="Managers")
        managers.permissions.remove(Permission.objects.get(codename="export_safety_labels"))
        manager = type(manager).objects.get(pk=manager.pk)
        response = post(as_user(manager), reverse("api:review:export-list", args=[task.pk]),
                        {"format": "jsonl"})
        assert response.status_code == 403
        assert "own permission" in response.json()["message"]
        assert not ExportJob.objects.exists()


class TestQualityApi:
    def test_managers_read_quality_and_workers_do_not(self, manager):
        task, people, reviewer = review_task(manager, name="Api quality", items=5, batch_size=5)
        from tests.review_setup import check_all
        check_all(reviewer, task)
        figures = as_user(manager).get(reverse("api:review:quality-list")).json()["results"]
        mine = [row for row in figures if row["user"] in {p.pk for p in people}]
        assert mine
        assert {row["measure"] for row in mine} == {"accuracy"}
        assert as_user(reviewer).get(reverse("api:review:quality-list")).status_code == 404
        assert as_user(manager).get(reverse("api:review:quality-signal-list")
                                    + "?user=abc").status_code == 404
        assert SafetyLabel.objects.count() == 0


class TestQualityPolicyApi:
    def test_a_manager_changes_a_policy_and_it_is_audited(self, manager, reviewer):
        url = reverse("api:review:quality-policy-detail", args=["functional_annotate"])
        client = as_user(manager)
        bad = client.patch(url, json.dumps({"threshold": "1.5"}),
                           content_type="application/json")
        assert bad.status_code == 400
        changed = client.patch(url, json.dumps({"threshold": "0.800", "minimum_checks": 10}),
                               content_type="application/json")
        assert changed.json()["threshold"] == "0.800"
        assert AuditEvent.objects.filter(action="quality_policy.updated").count() == 1
        assert as_user(reviewer).patch(url, json.dumps({"threshold": "0.1"}),
                                       content_type="application/json").status_code == 404
        listed = client.get(reverse("api:review:quality-policy-list")).json()["results"]
        assert {row["kind"]: row["threshold"] for row in listed}["functional_annotate"] == \
            "0.800"


class TestExportJobs:
    def test_a_job_left_running_is_taken_over_and_a_failure_is_recorded(self, manager,
                                                                      monkeypatch):
        from datetime import timedelta

        from django.utils import timezone

        from review.services import export_job_run

        task, _, _ = review_task(manager, name="Stale", items=3, batch_size=3)
        job = ExportJob.objects.create(task=task, created_by=manager, format="jsonl",
                                       status="running", created_at=timezone.now(),
                                       started_at=timezone.now())
        assert export_job_run(job_id=job.pk).status == "running"      # someone is on it
        ExportJob.objects.filter(pk=job.pk).update(
            started_at=timezone.now() - timedelta(hours=1))
        assert export_job_run(job_id=job.pk).status == "done"         # the worker died

        broken = ExportJob.objects.create(task=task, created_by=manager, format="csv",
                                          created_at=timezone.now())
        monkeypatch.setattr("review.services.exports.export_rows",
                            lambda task, carried: (_ for _ in ()).throw(OSError("disk full")))
        with pytest.raises(OSError, match="disk full"):
            export_job_run(job_id=broken.pk)
        broken.refresh_from_db()
        assert (broken.status, broken.attempts) == ("queued", 1)
        assert "Attempt 1 failed (OSError: disk full)" in broken.message
        for _ in range(2):
            with pytest.raises(OSError, match="disk full"):
                export_job_run(job_id=broken.pk)
        broken.refresh_from_db()
        assert (broken.status, broken.attempts) == ("failed", 3)
        assert broken.message == "Failed after 3 attempt(s). The last attempt failed with " \
                                 "OSError: disk full."
        assert not broken.output
        assert AuditEvent.objects.filter(action="export.failed",
                                         target_id=str(broken.pk)).exists()

    def test_the_sweep_restarts_an_export_whose_worker_died(self, manager):
        from datetime import timedelta

        from django.utils import timezone

        from jobs.services import jobs_sweep

        task, _, _ = review_task(manager, name="Swept", items=3, batch_size=3)
        job = ExportJob.objects.create(task=task, created_by=manager, format="jsonl",
                                       status="running", created_at=timezone.now(),
                                       started_at=timezone.now() - timedelta(hours=2))
        fresh = ExportJob.objects.create(task=task, created_by=manager, format="jsonl",
                                         status="running", created_at=timezone.now(),
                                         started_at=timezone.now())

        assert jobs_sweep(ExportJob) == {"sent": [job.pk], "failed": []}

        job.refresh_from_db()
        fresh.refresh_from_db()
        assert job.status == "done"
        assert fresh.status == "running"
