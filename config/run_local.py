"""Serve the app on this machine as production runs it: gunicorn for the web, and a Celery
worker with its beat scheduler for the background jobs and periodic sweeps. Both start and
stop together; the console stays quiet and ends with the address and the demo logins.

Without ``CELERY_BROKER_URL`` the web processes run tasks at once (the embedded default) and
the worker takes the periodic sweeps from a broker that needs no server: files under
``var/celery/``. With a broker set, web and worker both use it.

    python -m config.run_local [--bind 127.0.0.1:8000]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import django

WEB_WORKERS = "2"
WEB_THREADS = "4"
READY_SECONDS = 60


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def _environment() -> tuple[dict, dict]:
    """The environments of the web and the worker processes."""
    base = dict(os.environ)
    base.setdefault("LOG_LEVEL", "WARNING")
    base.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    web, worker = dict(base), dict(base)
    if not base.get("CELERY_BROKER_URL"):
        worker["CELERY_BROKER_URL"] = "filesystem://localhost/"
    if os.geteuid() == 0:
        # Celery warns at length about a worker run as root; on a machine where everything
        # runs as root that warning is noise.
        worker["PYTHONWARNINGS"] = "ignore:You're running the worker with superuser privileges"
    return web, worker


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _logins() -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from demo.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE

    present = set(get_user_model().objects.filter(
        username__in=[username for username, _, _ in PEOPLE])
        .values_list("username", flat=True))
    rows = [f"  {role.label:<10} {username}" for username, _, role in PEOPLE
            if username in present]
    if not rows:
        return []
    return [f"Demo logins (password for each: {DEMO_PASSWORD}):", *rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1:8000")
    args = parser.parse_args()
    host, port = args.bind.rsplit(":", 1)
    var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    var.mkdir(parents=True, exist_ok=True)
    if _answers(host, int(port)):
        print(f"Something already answers on {args.bind}; stop it or pass another address.",
              file=sys.stderr)
        return 1
    web_env, worker_env = _environment()
    worker = subprocess.Popen(  # noqa: S603 (our own executables, no shell)
        [_bin("celery"), "-A", "config", "-q", "worker", "--beat", "--pool=solo",
         f"--loglevel={worker_env['LOG_LEVEL']}", "--without-mingle", "--without-gossip",
         "--without-heartbeat",
         "-s", str(var / "celerybeat-schedule"), "-n", "local@%h"], env=worker_env)
    web = subprocess.Popen(  # noqa: S603
        [_bin("gunicorn"), "config.wsgi", "--bind", args.bind, "--workers", WEB_WORKERS,
         "--threads", WEB_THREADS, "--log-level", "warning", "--graceful-timeout", "5"],
        env=web_env)
    children = [web, worker]

    def stop(*_) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not _answers(host, int(port)):
            if any(child.poll() is not None for child in children) or \
                    time.monotonic() > deadline:
                stop()
                print("The server did not start; see the lines above.", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(f"\nServing on http://{args.bind}/ (web: gunicorn; background jobs and sweeps: "
              "a Celery worker with beat). Ctrl+C stops both.")
        for line in _logins():
            print(line)
        sys.stdout.flush()
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A server process stopped; stopping the other.", file=sys.stderr)
        stop()
        return 1
    except KeyboardInterrupt:
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
