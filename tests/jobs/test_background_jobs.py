"""No background job strands: one attempt owns a job at a time, a silent one is taken over, a
lost message is sent again, and after its attempts a job fails with the reason shown."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annotation.importers import PARSERS, Limits
from annotation.models import ImportJob, Item
from annotation.services import import_job_create, import_job_run
from annotation.services.imports import _land
from audit.models import AuditEvent
from jobs.services import (
    job_attempt_failed,
    job_claim,
    job_finish,
    job_heartbeat,
    job_send,
    jobs_sweep,
)
from tests.annotation_setup import make_task

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

LINES = b"first item\nsecond item\nthird item\n"


@pytest.fixture
def queued(manager) -> ImportJob:
    """An import whose message never went out (tests do not commit)."""
    task = make_task(manager, kind="functional", name="Jobs")
    return import_job_create(actor=manager, task_id=task.pk,
                             upload=SimpleUploadedFile("items.txt", LINES))


def later(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


class TestOneAttemptAtATime:
    def test_a_claimed_job_is_not_claimed_again_while_its_worker_is_alive(self, queued):
        first = job_claim(ImportJob, queued.pk)

        assert (first.status, first.attempts) == ("running", 1)
        assert job_claim(ImportJob, queued.pk) is None
        with later(4):
            assert job_claim(ImportJob, queued.pk) is None

    def test_a_job_whose_worker_went_silent_is_taken_over(self, queued):
        job_claim(ImportJob, queued.pk)

        with later(6):
            second = job_claim(ImportJob, queued.pk)

        assert second.attempts == 2
        assert "Attempt 1 stopped showing signs of life" in second.message

    def test_a_redelivered_message_runs_a_job_left_running_by_a_dead_worker(self, queued):
        job_claim(ImportJob, queued.pk)        # the worker that took it died here

        with later(6):
            job = import_job_run(job_id=queued.pk)

        assert (job.status, job.attempts, job.created) == ("done", 2, 3)

    def test_the_attempt_taken_over_lands_nothing_and_cannot_finish(self, queued):
        stale = job_claim(ImportJob, queued.pk)
        with later(6):
            current = job_claim(ImportJob, queued.pk)
            parsed = PARSERS["txt"](LINES, "items.txt", Limits.from_settings())

            assert _land(stale, parsed) is False
            assert not Item.objects.filter(task=queued.task).exists()
            assert job_finish(stale, message="mine") is False
            assert _land(current, parsed) is True

        assert Item.objects.filter(task=queued.task).count() == 3
        queued.refresh_from_db()
        assert (queued.status, queued.attempts) == ("done", 2)

    def test_a_finished_job_is_left_alone(self, queued):
        import_job_run(job_id=queued.pk)

        assert job_claim(ImportJob, queued.pk) is None
        assert import_job_run(job_id=queued.pk).created == 3
        assert Item.objects.filter(task=queued.task).count() == 3


class TestFailures:
    def test_a_failed_attempt_waits_for_another_and_the_last_fails_with_the_reason(
            self, queued, monkeypatch, manager_client):
        monkeypatch.setitem(PARSERS, "txt", lambda *args: (_ for _ in ()).throw(
            MemoryError("the parser ran out of memory")))

        for attempt in (1, 2):
            with pytest.raises(MemoryError):
                import_job_run(job_id=queued.pk)
            queued.refresh_from_db()
            assert (queued.status, queued.attempts, queued.enqueued_at) == \
                ("queued", attempt, None)
            assert f"Attempt {attempt} failed (MemoryError: the parser ran out of memory)" \
                in queued.message
        with pytest.raises(MemoryError):
            import_job_run(job_id=queued.pk)

        queued.refresh_from_db()
        assert (queued.status, queued.attempts) == ("failed", 3)
        assert queued.finished_at is not None
        assert "Failed after 3 attempt(s)" in queued.message
        assert not Item.objects.filter(task=queued.task).exists()
        assert AuditEvent.objects.filter(action="import.failed",
                                         target_id=str(queued.pk)).exists()
        page = manager_client.get(reverse("annotation:import-job", args=[queued.pk]))
        assert "the parser ran out of memory" in page.content.decode()
        api = manager_client.get(reverse("api:annotation:import-detail", args=[queued.pk]))
        assert api.json()["status"] == "failed"
        assert "Failed after 3 attempt(s)" in api.json()["message"]

    def test_an_attempt_taken_over_does_not_record_its_failure(self, queued):
        stale = job_claim(ImportJob, queued.pk)
        with later(6):
            job_claim(ImportJob, queued.pk)
            job_attempt_failed(stale, RuntimeError("late"))

        queued.refresh_from_db()
        assert (queued.status, queued.attempts) == ("running", 2)
        assert "late" not in queued.message


class TestSweep:
    def test_it_sends_jobs_never_sent_and_those_no_worker_took(self, queued, manager):
        taken = import_job_create(actor=manager, task_id=queued.task_id,
                                  upload=SimpleUploadedFile("b.txt", b"other\n"))
        ImportJob.objects.filter(pk=taken.pk).update(enqueued_at=timezone.now())

        assert jobs_sweep(ImportJob) == {"sent": [queued.pk], "failed": []}
        queued.refresh_from_db()
        assert queued.status == "done"          # tasks run at once here

        with later(11):
            assert jobs_sweep(ImportJob) == {"sent": [taken.pk], "failed": []}

    def test_it_takes_over_a_silent_job_and_fails_one_with_no_attempt_left(self, queued,
                                                                             manager):
        spent = import_job_create(actor=manager, task_id=queued.task_id,
                                  upload=SimpleUploadedFile("b.txt", b"other\n"))
        for job in (queued, spent):
            job_claim(ImportJob, job.pk)
        ImportJob.objects.filter(pk=spent.pk).update(attempts=3)

        with later(6):
            assert jobs_sweep(ImportJob) == {"sent": [queued.pk], "failed": [spent.pk]}

        queued.refresh_from_db()
        spent.refresh_from_db()
        assert (queued.status, queued.attempts) == ("done", 2)
        assert spent.status == "failed"
        assert "Failed after 3 attempt(s). Attempt 3 stopped showing signs of life" \
            in spent.message

    def test_a_job_alive_or_just_sent_is_not_sent_again(self, queued):
        job_send(queued)      # runs at once: done
        running = job_claim(ImportJob, import_job_create(
            actor=queued.created_by, task_id=queued.task_id,
            upload=SimpleUploadedFile("c.txt", b"x\n")).pk)

        with later(4):
            assert jobs_sweep(ImportJob) == {"sent": [], "failed": []}
        assert running.status == "running"


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                        serialized_rollback=True)
class TestHeartbeat:
    def test_a_running_attempt_beats_and_stops_when_it_ends(self, manager, settings,
                                                            monkeypatch):
        settings.JOB_HEARTBEAT_SECONDS = 0.05
        monkeypatch.setattr("annotation.services.imports.job_send_on_commit", lambda job: None)
        task = make_task(manager, kind="functional", name="Beats")
        job = job_claim(ImportJob, import_job_create(
            actor=manager, task_id=task.pk, upload=SimpleUploadedFile("a.txt", LINES)).pk)
        claimed_at = job.heartbeat_at

        with job_heartbeat(job):
            deadline = time.monotonic() + 5
            while ImportJob.objects.get(pk=job.pk).heartbeat_at == claimed_at and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
        beat = ImportJob.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.3)

        assert beat > claimed_at
        assert ImportJob.objects.get(pk=job.pk).heartbeat_at == beat


class TestPages:
    def test_a_queued_import_says_it_waits_for_a_worker(self, queued, manager_client):
        page = manager_client.get(reverse("annotation:import-job", args=[queued.pk]))
        api = manager_client.get(reverse("api:annotation:import-detail", args=[queued.pk]))

        assert "Waiting for a worker" in page.content.decode()
        assert "No worker has taken this import yet" in page.content.decode()
        assert api.json()["waiting_for_worker"] is True
        assert api.json()["status_text"] == "Waiting for a worker"
