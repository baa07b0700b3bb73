"""The labelling hot path over HTTP: next item and submit, with K annotators at once.

Loads N items into a fresh functional task on the database it is pointed at (through the
import service, timed), starts the app under gunicorn on 127.0.0.1, and drives K annotators
through `POST /tasks/{id}/next/` and `POST /leases/{id}/submit/`: first as separate calls,
then as the labelling page makes them (a submit that hands back the next lease). Prints
labels per second, p50/p95/p99 of each call, and the duplicate and lost labels, which must
be 0. Point it at PostgreSQL, never at a production database:

    DATABASE_URL=postgres://127.0.0.1/awm_bench \\
    SAFETY_DATABASE_URL=postgres://127.0.0.1/awm_bench_safety \\
        .venv/bin/python bench/hot_path.py --items 100000 --annotators 1,8,32 --seconds 20
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from fixtures import manager_rules_and_course, trained_annotator  # noqa: E402

from annotation.models import FunctionalLabel, Item, Task  # noqa: E402
from annotation.services import (  # noqa: E402
    import_job_create,
    import_job_run,
    membership_add,
    task_create,
    task_set_state,
)
from annotators.services import api_token_issue  # noqa: E402

PORT = 8765
LABEL = {"payload": {"ranking": ["Answer B", "Answer A", "Answer C"], "best_quality": 4,
                     "reason": "B is right."}}


def set_up(run: str, annotators: int):
    manager, version, course = manager_rules_and_course(f"bench.{run}")
    task = task_create(actor=manager, name=f"Bench task {run}", rule_version_id=version.pk,
                       labels_per_item=1, batch_size=1000, expected_seconds_per_item=60,
                       minimum_seconds_per_item=1)
    people = []
    for n in range(annotators):
        person = trained_annotator(f"bench.ann{n}.{run}", course, version)
        membership_add(actor=manager, task_id=task.pk, user_id=person.pk, function="annotate")
        people.append(api_token_issue(user=person, name="bench")[1])
    return manager, task, people


def import_items(manager, task: Task, count: int) -> float:
    lines = "\n".join(f"Bench item {n}: which answer is best?" for n in range(count)).encode()
    started = time.perf_counter()
    job = import_job_create(actor=manager, task_id=task.pk,
                            upload=SimpleUploadedFile("bench.txt", lines))
    job = import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    assert job.created == count, job.message
    task_set_state(actor=manager, task_id=task.pk, state="active")
    return elapsed


def start_server(workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "HTTPS": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "SECRET_KEY": secrets.token_urlsafe(50), "API_THROTTLE_USER": "1000000/minute",
           "STATIC_ROOT": str(BASE_DIR / "staticfiles")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--log-level", "warning"], cwd=BASE_DIR, env=env)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def drive(task_id: int, tokens: list[str], seconds: float, combined: bool) -> dict:
    """Each annotator asks for an item and submits a label until time is up: either as two
    calls (next, then submit) or, as the labelling page does, a submit that returns the next
    lease. Returns the count of labels and each call's durations."""
    stop = time.perf_counter() + seconds
    next_times: list[float] = []
    submit_times: list[float] = []
    created = [0]
    errors: list[str] = []
    lock = threading.Lock()

    def annotator(token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json",
                   "Host": "127.0.0.1"}

        def call(path: str, body: dict) -> tuple[int, dict | None, float]:
            began = time.perf_counter()
            connection.request("POST", path, body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None), \
                time.perf_counter() - began

        local_next, local_submit, local_created = [], [], 0
        lease = None
        while time.perf_counter() < stop:
            if lease is None:
                status, lease, took = call(f"/api/v1/tasks/{task_id}/next/", {})
                local_next.append(took)
                if lease is None:
                    break
            status, body, took = call(f"/api/v1/leases/{lease['id']}/submit/",
                                      {"client_id": str(uuid.uuid4()), "label": LABEL,
                                       "next": combined})
            local_submit.append(took)
            if status != 201:
                with lock:
                    errors.append(f"{status} {body}")
                break
            local_created += 1
            lease = body["next"]
        with lock:
            next_times.extend(local_next)
            submit_times.extend(local_submit)
            created[0] += local_created

    threads = [threading.Thread(target=annotator, args=(token,)) for token in tokens]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {"elapsed": elapsed, "created": created[0], "next": next_times,
            "submit": submit_times, "errors": errors}


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100)
    return (f"p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms, "
            f"p99 {cuts[98] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per process")
    args = parser.parse_args()
    ks = [int(k) for k in args.annotators.split(",")]
    run = uuid.uuid4().hex[:8]

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="safety", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    manager, task, tokens = set_up(run, max(ks))
    import_seconds = import_items(manager, task, args.items)
    print(f"database: {django.db.connection.vendor}; items: {args.items}")
    print(f"import: {args.items} text items in {import_seconds:.1f} s "
          f"({args.items / import_seconds:.0f} items/s)")
    server = start_server(args.workers, args.threads)
    acknowledged = 0
    try:
        for k in ks:
            for combined in (False, True):
                result = drive(task.pk, tokens[:k], args.seconds, combined)
                rate = result["created"] / result["elapsed"]
                acknowledged += result["created"]
                calls = "submit+next" if combined else "next, then submit"
                print(f"K={k}, {calls}: {result['created']} labels in "
                      f"{result['elapsed']:.1f} s = {rate:.0f} labels/s")
                print(f"    next-item: {percentiles(result['next'])}")
                print(f"    {'submit+next' if combined else 'submit'}: "
                      f"{percentiles(result['submit'])}; errors {len(result['errors'])}")
                for error in result["errors"][:3]:
                    print("    error:", error[:200])
    finally:
        server.terminate()
        server.wait(timeout=30)

    labels = FunctionalLabel.objects.filter(task=task)
    stored = labels.count()
    over = labels.values("item_id").annotate(n=Count("id")).filter(n__gt=task.labels_per_item)
    counted = Item.objects.filter(task=task).aggregate(n=Sum("labels_done"))["n"] or 0
    print(f"labels answered 201: {acknowledged}; stored: {stored}; lost: "
          f"{max(acknowledged - stored, 0)}; duplicates (items labelled more than "
          f"{task.labels_per_item} time(s)): {over.count()}; item counters off by "
          f"{abs(counted - stored)}")


if __name__ == "__main__":
    main()
