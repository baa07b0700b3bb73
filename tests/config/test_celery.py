import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connections

from audit.services import record_event
from audit.tasks import verify_audit_chain
from config.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]


class TestEagerPath:
    @pytest.mark.django_db
    def test_a_task_runs_in_process_and_returns_its_result(self):
        record_event(actor=None, action="test.celery.eager")

        result = verify_audit_chain.delay().get(timeout=5)

        assert result["intact"] is True
        assert result["events_checked"] >= 1
        assert result["first_break"] is None

    def test_tasks_are_acked_late_and_speak_json(self):
        assert app.conf.task_acks_late is True
        assert app.conf.task_serializer == "json"
        assert app.conf.accept_content == ["json"]
        assert isinstance(app.conf.beat_schedule, dict)


def database_url(alias: str) -> str:
    config = connections[alias].settings_dict
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return (f"postgres://{auth}{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}"
            f"/{config['NAME']}")


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestThroughTheBroker:
    def test_a_worker_runs_a_task_sent_through_redis(self):
        for n in range(3):
            record_event(actor=None, action="test.celery.broker", data={"n": n})
        queue = f"test-{uuid.uuid4().hex}"
        # The worker reads the test databases, where the events above are committed.
        env = {**os.environ, "DATABASE_URL": database_url("default"),
               "SAFETY_DATABASE_URL": database_url("safety"), "DEBUG": "true"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=WARNING"],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        app.conf.task_always_eager = False
        try:
            result = verify_audit_chain.apply_async(queue=queue, ignore_result=False) \
                .get(timeout=60)
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)

        assert result["intact"] is True, output
        assert result["events_checked"] >= 3
