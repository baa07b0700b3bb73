"""Faults with real processes: a worker killed in the middle of an import, and a broker that
stops. The app runs in processes of its own, configured by their environment alone, against
the test databases; the broker is a Redis server started here on a port of its own."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from celery import Celery
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annotation.models import ImportJob, Item
from annotation.services import import_job_create
from jobs.services import jobs_sweep
from review.models import ExportJob, QualityPolicy, QualitySignal, SampleCheck
from review.services import sample_check_next
from review.services.quality import quality_evaluate_recent
from tests.annotation_setup import make_task
from tests.config.test_celery import database_url
from tests.review_setup import review_task

ROOT = Path(__file__).resolve().parents[2]
REDIS = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                          serialized_rollback=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A Redis server of this test's own, on 127.0.0.1, that the test starts and stops."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.length("celery") is not None:
                return
            time.sleep(0.05)
        raise RuntimeError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def length(self, queue: str) -> int | None:
        """How many messages wait in ``queue``; None when the server does not answer."""
        answer = subprocess.run([REDIS_CLI, "-p", str(self.port), "llen", queue],
                                capture_output=True, text=True)
        return int(answer.stdout) if answer.returncode == 0 and \
            answer.stdout.strip().isdigit() else None


@pytest.fixture
def broker():
    if not os.path.exists(REDIS):
        pytest.skip(f"needs {REDIS}: apt-get install redis-server")
    own = Broker()
    own.start()
    yield own
    own.stop()


def app_environment(broker_url: str, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": database_url("default"),
            "SAFETY_DATABASE_URL": database_url("safety"), "CELERY_BROKER_URL": broker_url,
            "DEBUG": "true", "LOG_LEVEL": "ERROR", **extra}


def requests_in_a_web_process(broker_url: str, requests: list[dict]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "tests.jobs.outage_client",
                           json.dumps(requests)], cwd=ROOT, env=app_environment(broker_url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


class TestABrokerOutage:
    def test_decisions_stand_answers_are_quick_and_follow_ups_are_re_derived(
            self, manager, broker):
        QualityPolicy.objects.filter(kind="functional_annotate").update(
            threshold=Decimal("0.900"), minimum_checks=1)
        task, _people, reviewer = review_task(manager, name="Outage", items=6, batch_size=6)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)
        broker.stop()

        verdict, export, upload = requests_in_a_web_process(broker.url, [
            {"user": reviewer.pk, "url": reverse("api:review:sample-check-verdict",
                                                 args=[check.pk]),
             "json": {"verdict": "inaccurate", "note": "Wrong label"}},
            {"user": manager.pk, "url": reverse("api:review:export-list", args=[task.pk]),
             "json": {"format": "jsonl"}},
            {"user": manager.pk, "url": reverse("api:annotation:task-import", args=[task.pk]),
             "upload": "one more\nand another\n"}])

        # The person gets the outcome that was recorded, at once.
        assert verdict["status"] == 200, verdict
        assert verdict["body"]["verdict"] == "inaccurate"
        assert export["status"] == upload["status"] == 202
        assert export["body"]["waiting_for_worker"] is True
        assert upload["body"]["status_text"] == "Waiting for a worker"
        assert max(answer["seconds"] for answer in (verdict, export, upload)) < 5
        assert SampleCheck.objects.get(pk=check.pk).verdict == "inaccurate"
        assert not QualitySignal.objects.exists()       # its follow-up never left
        for model, answer in ((ExportJob, export), (ImportJob, upload)):
            job = model.objects.get(pk=answer["body"]["id"])
            assert (job.status, job.enqueued_at) == ("queued", None)

        # The sweep re-derives the lost evaluation from the database.
        assert quality_evaluate_recent(since_minutes=60) == 1
        assert QualitySignal.objects.get().user_id == check.annotator_id

        # Once the broker is back, the jobs' rows are sent again from the outbox.
        broker.start()
        sent = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); "
             "from jobs.services import jobs_sweep; from annotation.models import ImportJob; "
             "from review.models import ExportJob; "
             "print(jobs_sweep(ImportJob)['sent'], jobs_sweep(ExportJob)['sent'])"],
            cwd=ROOT, env={**app_environment(broker.url),
                           "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr[-3000:]
        assert sent.stdout.split() == [f"[{upload['body']['id']}]",
                                       f"[{export['body']['id']}]"]
        assert broker.length("celery") == 2
        assert ImportJob.objects.get(pk=upload["body"]["id"]).enqueued_at is not None


class TestAKilledWorker:
    def test_its_import_is_taken_over_and_lands_once(self, manager, broker, monkeypatch):
        task = make_task(manager, kind="functional", name="Killed")
        lines = "".join(f"item number {n}\n" for n in range(120_000)).encode()
        # Sent below, to the worker, rather than run here at once.
        monkeypatch.setattr("annotation.services.imports.job_send_on_commit", lambda job: None)
        job = import_job_create(actor=manager, task_id=task.pk,
                                upload=SimpleUploadedFile("big.txt", lines))
        monkeypatch.undo()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
             "--concurrency=1", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=WARNING"],
            cwd=ROOT, env=app_environment(broker.url, JOB_HEARTBEAT_SECONDS="1"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            # Not the app's own Celery: that one runs tasks here, at once. Celery prefers
            # the environment's broker to the one it is given, so the environment names ours.
            monkeypatch.setenv("CELERY_BROKER_URL", broker.url)
            sender = Celery(broker=broker.url, set_as_current=False)
            sender.conf.task_serializer = "json"
            sender.send_task("annotation.tasks.run_import", kwargs={"job_id": job.pk})
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status == "running" and job.heartbeat_at > job.started_at:
                    break
                time.sleep(0.05)
            assert job.status == "running", job.message
            assert job.heartbeat_at > job.started_at      # its worker's heartbeat
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)

        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", 1)
        assert not Item.objects.filter(task=task).exists()     # its transaction died with it

        with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
            assert jobs_sweep(ImportJob) == {"sent": [job.pk], "failed": []}

        job.refresh_from_db()
        assert (job.status, job.attempts, job.created) == ("done", 2, 120_000)
        assert Item.objects.filter(task=task).count() == 120_000
