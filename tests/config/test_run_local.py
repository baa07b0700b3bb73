"""`make run` serves as production does: gunicorn, and a Celery worker with beat on a broker
that needs no server, started and stopped together, with a quiet console."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.settings import CELERY_BEAT_SCHEDULE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def local_environment(tmp_path_factory) -> dict:
    """A fresh embedded setup: its own var/ folder, two migrated SQLite files, no broker."""
    var = tmp_path_factory.mktemp("var")
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "SAFETY_DATABASE_URL", "CELERY_BROKER_URL",
                          "CELERY_RESULT_BACKEND", "CACHE_URL", "LOG_LEVEL"}}
    env.update({"VAR_DIR": str(var), "DEBUG": "false", "HTTPS": "false",
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECRET_KEY": secrets.token_urlsafe(50),
                "STATIC_ROOT": str(var / "static")})
    for database in ("safety", "default"):
        subprocess.run([sys.executable, "manage.py", "migrate", "--database", database,
                        "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                   cwd=ROOT, env=env, check=True)
    return env


def test_the_beat_schedule_runs_every_sweep():
    assert {entry["task"] for entry in CELERY_BEAT_SCHEDULE.values()} >= {
        "annotators.tasks.run_workforce_sweep", "annotation.tasks.expire_leases",
        "annotation.tasks.reconcile_safety_labels", "review.tasks.sample_complete_batches",
        "review.tasks.reconcile_safety_decisions", "annotation.tasks.sweep_imports",
        "review.tasks.sweep_exports", "annotation.tasks.announce_rule_versions",
        "review.tasks.evaluate_recent_quality"}


def test_serves_with_a_worker_quietly_and_stops_both(local_environment):
    env, port = local_environment, free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "config.run_local", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("Serving on") for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(server.stdout.readline().strip())
        assert lines[-1] == f"Serving on http://127.0.0.1:{port}/ (web: gunicorn; background " \
                            "jobs and sweeps: a Celery worker with beat). Ctrl+C stops both."
        assert status_of(f"http://127.0.0.1:{port}/accounts/login/") == 200
        assert status_of(f"http://127.0.0.1:{port}/api/v1/tasks/") == 401

        # A task sent through the file broker is taken by the worker.
        queue = Path(env["VAR_DIR"]) / "celery" / "queue"
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from config.celery import enqueue; "
                        "enqueue('annotation.tasks.expire_leases')"],
                       cwd=ROOT, env={**env, "CELERY_BROKER_URL": "filesystem://localhost/"},
                       check=True)
        deadline = time.monotonic() + 20
        while any(queue.iterdir()):
            assert time.monotonic() < deadline, "the worker never took the message"
            time.sleep(0.2)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output = server.communicate(timeout=30)[0]

    assert server.returncode == 0
    console = "\n".join(lines) + output
    assert "Traceback" not in console
    assert "succeeded" not in console
    assert "Unauthorized: /api/v1/tasks/" in console
    time.sleep(0.5)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
