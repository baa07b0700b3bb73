from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from jobs.services import jobs_sweep
from review.models import ExportJob
from review.services import export_job_run
from tests.review_setup import review_task

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestExportJobs:
    def test_a_job_left_running_is_taken_over_and_a_failure_is_recorded(self, manager,
                                                                      monkeypatch):
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
