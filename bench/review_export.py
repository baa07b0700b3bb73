"""Review at volume: drawing batch samples, and exporting the labels that passed review.

Sampling: builds a functional task with B batches of N text items in state "submitted", each
item with one current label by one of 8 annotators (about 3 in 1,000 labels too fast), then
calls `review.services.sampling.sample_draw` once per batch, as the periodic sweep does, and
prints the time of each whole call per batch (median, p95, max; target under 50 ms), the
queries it makes and their time, and the time of the pure `draw()` step alone.

Export: builds a second functional task with R current labels in accepted batches (each batch
with its first-round sample and acceptance decision), then, each in a process of its own,
renders `export_rows(task)` as JSON Lines and as CSV into a temporary file, and runs
`export_job_run` for one JSON Lines job (written to the default storage under MEDIA_ROOT, and
deleted from there afterwards). Prints rows per second (target over 50,000) and the exporting
process's peak resident memory (target under 200 MB). Peak memory is the Linux high-water mark
of resident memory (VmHWM in /proc/self/status), reset just before the export starts; it is
not `ru_maxrss`, which a process started by another inherits from its parent across exec, nor
tracemalloc, which slows the export it measures.

People, the rule set and its published version, and the tasks come from the real services.
Batches, items, leases, labels, samples and decisions are written in bulk (PostgreSQL COPY
and bulk_create) and the tables then analysed, as autovacuum would; that takes a few minutes
for the defaults. Names carry a run id, so runs do not collide. Run it with DEBUG off (the
default here; a SECRET_KEY is generated unless one is set), so that Django keeps no log of
queries. Point it at PostgreSQL, never at a production database:

    DATABASE_URL=postgres://127.0.0.1/awm_bench \\
    SAFETY_DATABASE_URL=postgres://127.0.0.1/awm_bench_safety \\
        .venv/bin/python bench/review_export.py --batches 1000 --batch-size 1000 \\
        --export-rows 1000000

It migrates the databases it is pointed at and adds about two million items to them.
"""

import argparse
import hashlib
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min, Model  # noqa: E402
from django.utils import timezone  # noqa: E402
from fixtures import manager_rules_and_course, trained_annotator  # noqa: E402
from psycopg import sql  # noqa: E402

from annotation.models import Batch, FunctionalLabel, Item, Lease, Task  # noqa: E402
from annotation.services import membership_add, task_create, task_set_state  # noqa: E402
from review.export_formats import render  # noqa: E402
from review.models import BatchDecision, ExportJob, Sample, SampleCheck  # noqa: E402
from review.services.exports import export_job_run, export_rows  # noqa: E402
from review.services.sampling import draw, plan_for, sample_draw  # noqa: E402

ANNOTATORS = 8
TOO_FAST_SHARE = 0.003
MINIMUM_SECONDS = 5
# Items are written this many at a time, so the loader's memory stays small.
LOAD_GROUP = 100_000
SAMPLE_TARGET_MS = 50
EXPORT_TARGET_ROWS = 50_000
EXPORT_TARGET_MB = 200
ANSWERS = ["Answer A", "Answer B", "Answer C"]
PAYLOADS = [json.dumps({"ranking": [ANSWERS[i], ANSWERS[j], ANSWERS[3 - i - j]],
                        "best_quality": quality, "reason": f"{ANSWERS[i]} is right and clear."})
            for i in range(3) for j in range(3) if i != j for quality in range(1, 6)]


def set_up(run: str, batch_size: int) -> tuple:
    """A manager, a published functional rule version, 8 trained annotators and two active
    tasks with them as annotators: one to sample, one to export."""
    manager, version, course = manager_rules_and_course(f"bench.review.{run}")
    tasks = [task_create(actor=manager, name=f"Bench review {purpose} {run}",
                         rule_version_id=version.pk, labels_per_item=1, batch_size=batch_size,
                         expected_seconds_per_item=60, minimum_seconds_per_item=MINIMUM_SECONDS)
             for purpose in ("sampling", "export")]
    annotators = []
    for n in range(ANNOTATORS):
        person = trained_annotator(f"bench.review.ann{n}.{run}", course, version)
        for task in tasks:
            membership_add(actor=manager, task_id=task.pk, user_id=person.pk,
                           function="annotate")
        annotators.append(person.pk)
    for task in tasks:
        task_set_state(actor=manager, task_id=task.pk, state="active")
    return manager, tasks[0], tasks[1], annotators


def copy_rows(model: type[Model], fields: list[str], rows: Iterable[tuple]) -> None:
    """Write rows into the model's table with one COPY."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(model._meta.get_field(name).column)
                           for name in fields))
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def load_labelled_batches(*, task: Task, annotators: list[int], items: int, batch_size: int,
                          state: str, run: str, rng: random.Random) -> list[int]:
    """Batches of text items in ``state``, each item with one submitted lease and its current
    label by a random annotator. Returns the batch ids in number order."""
    now = timezone.now()
    batches = Batch.objects.bulk_create(
        [Batch(task=task, number=number + 1, state=state, round=1, created_at=now)
         for number in range(math.ceil(items / batch_size))])
    batch_ids = [batch.pk for batch in batches]
    lease_seconds = timedelta(seconds=task.lease_seconds)
    group = max(LOAD_GROUP // batch_size, 1) * batch_size
    for first in range(0, items, group):
        numbers = range(first, min(first + group, items))

        def item_rows(numbers: range = numbers) -> Iterator[tuple]:
            for n in numbers:
                text = (f"Prompt {n} of run {run}: which of the three answers explains how "
                        f"rainfall is measured best?\nAnswer A: with a rain gauge, read daily."
                        f"\nAnswer B: with a calibrated gauge and a radar check, item {n}."
                        f"\nAnswer C: by looking at the sky.")
                yield (task.pk, batch_ids[n // batch_size], "text", text, "", "text/plain",
                       "bench", f"{run}-{n}", hashlib.sha256(text.encode()).hexdigest(), 0, 1,
                       now)

        copy_rows(Item, ["task", "batch", "modality", "text", "file", "content_type", "source",
                         "external_id", "checksum", "open_slots", "labels_done", "created_at"],
                  item_rows())
        group_batches = batch_ids[first // batch_size:(numbers.stop - 1) // batch_size + 1]
        item_ids = list(Item.objects.filter(batch_id__in=group_batches).order_by("pk")
                        .values_list("pk", flat=True))
        work = []
        for item_id in item_ids:
            too_fast = rng.random() < TOO_FAST_SHARE
            took = rng.uniform(1, MINIMUM_SECONDS - 1) if too_fast else rng.uniform(20, 150)
            submitted_at = now - timedelta(seconds=rng.uniform(600, 86_400))
            work.append((item_id, rng.choice(annotators), too_fast,
                         submitted_at - timedelta(seconds=took), submitted_at))
        copy_rows(Lease, ["item", "task", "user", "state", "started_at", "expires_at",
                          "closed_at", "skip_reason"],
                  ((item_id, task.pk, annotator, Lease.State.SUBMITTED, started_at,
                    started_at + lease_seconds, submitted_at, "")
                   for item_id, annotator, _, started_at, submitted_at in work))
        lease_of = dict(Lease.objects.filter(item__batch_id__in=group_batches)
                        .values_list("item_id", "pk"))
        copy_rows(FunctionalLabel, ["item", "task", "lease", "annotator", "rule_version",
                                    "payload", "client_id", "started_at", "submitted_at",
                                    "too_fast", "superseded_at"],
                  ((item_id, task.pk, lease_of[item_id], annotator, task.rule_version_id,
                    rng.choice(PAYLOADS), uuid.uuid4(), started_at, submitted_at, too_fast,
                    None)
                   for item_id, annotator, too_fast, started_at, submitted_at in work))
    return batch_ids


def decide_accepted(task: Task, batch_ids: list[int]) -> None:
    """Give each accepted batch the first-round sample and decision that accepted it."""
    now = timezone.now()
    sizes = dict(Item.objects.filter(batch_id__in=batch_ids).values("batch_id")
                 .annotate(n=Count("pk")).values_list("batch_id", "n"))
    samples, decisions = [], []
    for batch_id in batch_ids:
        scheme, plan = plan_for(task=task, batch_size=sizes[batch_id])
        samples.append(Sample(
            batch_id=batch_id, round=1, scheme=scheme, severity=plan.severity,
            aql=task.rule_version.aql, inspection_level=task.rule_version.inspection_level,
            code_letter=plan.code_letter, batch_size=sizes[batch_id],
            plan_size=plan.sample_size, accept=plan.accept, reject=plan.reject,
            seed=secrets.randbits(62), drawn_at=now - timedelta(hours=2)))
    Sample.objects.bulk_create(samples, batch_size=1000)
    for sample in samples:
        decisions.append(BatchDecision(
            batch_id=sample.batch_id, sample=sample, outcome=BatchDecision.Outcome.ACCEPTED,
            items_checked=sample.plan_size, labels_checked=sample.plan_size,
            items_inaccurate=0, items_illegal=0, accept=sample.accept, reject=sample.reject,
            decided_at=now - timedelta(hours=1)))
    BatchDecision.objects.bulk_create(decisions, batch_size=1000)


def analyse() -> None:
    """Give the planner statistics on the loaded tables, and flush the load to disk so that
    the checkpoint it triggers does not fall into the measurements."""
    with connection.cursor() as cursor:
        for model in (Batch, Item, Lease, FunctionalLabel, Sample, BatchDecision):
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(model._meta.db_table)))
        try:
            with transaction.atomic():
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            # Needs a superuser or pg_checkpoint; without it the figures may include its I/O.
            print("note: not allowed to run CHECKPOINT after loading")


class QueryClock:
    """Counts the queries run on a connection and the time spent inside cursor.execute."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def measure_sampling(task: Task, batch_ids: list[int]) -> dict:
    """Draw each batch's sample through the service, timing each whole call and its queries;
    then time the pure draw on the same labels."""
    took, queries, query_seconds = [], [], []
    for batch_id in batch_ids:
        clock = QueryClock()
        with connection.execute_wrapper(clock):
            started = time.perf_counter()
            sample_draw(batch_id=batch_id)
            took.append(time.perf_counter() - started)
        queries.append(clock.count)
        query_seconds.append(clock.seconds)
    draw_took = []
    for batch_id in batch_ids:
        labels = list(FunctionalLabel.objects.filter(item__batch_id=batch_id, superseded_at=None)
                      .order_by("pk").values("pk", "item_id", "annotator_id", "too_fast"))
        _, plan = plan_for(task=task, batch_size=len({label["item_id"] for label in labels}))
        started = time.perf_counter()
        draw(labels=labels, size=plan.sample_size, seed=secrets.randbits(62))
        draw_took.append(time.perf_counter() - started)
    return {"took": took, "queries": queries, "query_seconds": query_seconds,
            "draw": draw_took}


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def measure_export(task_id: int, mode: str) -> dict:
    """Export the task's labels once, in this process: render ``mode`` ("jsonl" or "csv")
    into a temporary file, or ("job") run one JSON Lines export job to storage."""
    task = Task.objects.select_related("rule_version").get(pk=task_id)
    job = None
    if mode == "job":
        job = ExportJob.objects.create(task=task, created_by=task.created_by,
                                       format=ExportJob.Format.JSONL,
                                       created_at=timezone.now())
    before_kb = _status_kb("VmRSS")
    peak_reset = _reset_peak()
    started = time.perf_counter()
    if job is not None:
        job = export_job_run(job_id=job.pk)
        elapsed = time.perf_counter() - started
        rows, size = job.rows_done, job.file.size
        default_storage.delete(job.file.name)
    else:
        counted = [0]

        def count(rows: Iterator[dict]) -> Iterator[dict]:
            for row in rows:
                counted[0] += 1
                yield row

        with tempfile.TemporaryFile() as out:
            for chunk in render(count(export_rows(task)), mode):
                out.write(chunk)
            elapsed = time.perf_counter() - started
            rows, size = counted[0], out.tell()
    return {"mode": mode, "rows": rows, "seconds": elapsed, "bytes": size,
            "before_kb": before_kb, "peak_kb": _status_kb("VmHWM") if peak_reset else None}


def export_in_own_process(task_id: int, mode: str) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--measure-export", str(task_id), "--mode", mode],
        cwd=BASE_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"The {mode} export failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float]) -> tuple[float, float, float]:
    """Median, 95th percentile and maximum."""
    p95 = statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]
    return statistics.median(values), p95, max(values)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report_sampling(result: dict, task: Task, batch_size: int) -> None:
    median, p95, worst = spread(result["took"])
    print(f"sample_draw per {batch_size:,}-item batch ({len(result['took'])} batches): "
          f"median {ms(median)}, p95 {ms(p95)}, max {ms(worst)} "
          f"(target < {SAMPLE_TARGET_MS} ms: {verdict(p95 * 1000 < SAMPLE_TARGET_MS)} at p95, "
          f"{verdict(worst * 1000 < SAMPLE_TARGET_MS)} at max)")
    slow = [n + 1 for n, took in enumerate(result["took"]) if took * 1000 >= SAMPLE_TARGET_MS]
    print(f"    calls at or over {SAMPLE_TARGET_MS} ms: {len(slow)} of {len(result['took'])}"
          + (f" (calls number {', '.join(map(str, slow[:10]))}"
             f"{', …' if len(slow) > 10 else ''})" if slow else ""))
    q_median, q_p95, q_worst = spread(result["query_seconds"])
    python = [total - db for total, db in zip(result["took"], result["query_seconds"],
                                              strict=True)]
    print(f"    queries per call: {min(result['queries'])}–{max(result['queries'])}; time in "
          f"cursor.execute median {ms(q_median)}, p95 {ms(q_p95)}, max {ms(q_worst)}; "
          f"the rest (Python) median {ms(statistics.median(python))}")
    d_median, d_p95, d_worst = spread(result["draw"])
    print(f"    draw() alone, for reference: median {ms(d_median)}, p95 {ms(d_p95)}, "
          f"max {ms(d_worst)}")
    samples = Sample.objects.filter(batch__task=task)
    sizes = samples.aggregate(low=Min("plan_size"), high=Max("plan_size"))
    drawn = samples.values("pk").annotate(n=Count("checks")).aggregate(low=Min("n"),
                                                                       high=Max("n"))
    states = dict(Batch.objects.filter(task=task).values("state").annotate(n=Count("pk"))
                  .values_list("state", "n"))
    checks = SampleCheck.objects.filter(sample__in=samples)
    too_fast = FunctionalLabel.objects.filter(task=task, too_fast=True).count()
    per_annotator = checks.values("sample_id").annotate(n=Count("annotator_id", distinct=True))
    print(f"    samples: {samples.count()}, plan size {sizes['low']}–{sizes['high']}, "
          f"checks per sample {drawn['low']}–{drawn['high']}, {checks.count():,} checks "
          f"queued; too-fast labels in a sample {checks.filter(too_fast=True).count()} of "
          f"{too_fast}; annotators per sample at least "
          f"{per_annotator.aggregate(low=Min('n'))['low']} of {ANNOTATORS}; batch states "
          f"{states}")


def report_export(result: dict, expected: int) -> None:
    rate = result["rows"] / result["seconds"]
    what = {"jsonl": "render jsonl to a temporary file",
            "csv": "render csv to a temporary file",
            "job": "export_job_run, jsonl to default storage"}[result["mode"]]
    print(f"export, {what}: {result['rows']:,} rows in {result['seconds']:.1f} s = "
          f"{rate:,.0f} rows/s (target > {EXPORT_TARGET_ROWS:,} rows/s: "
          f"{verdict(rate > EXPORT_TARGET_ROWS)}); {result['bytes'] / 1e6:,.0f} MB written"
          + ("" if result["rows"] == expected else f"; EXPECTED {expected:,} rows"))
    if result["peak_kb"] is None:
        print("    peak memory: not measurable here (needs Linux /proc/self/clear_refs)")
        return
    peak_mb, before_mb = result["peak_kb"] / 1024, result["before_kb"] / 1024
    print(f"    peak RSS of the exporting process {peak_mb:,.0f} MB (target < "
          f"{EXPORT_TARGET_MB} MB: {verdict(peak_mb < EXPORT_TARGET_MB)}); "
          f"{before_mb:,.0f} MB before the export, so {peak_mb - before_mb:,.0f} MB growth")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000, help="batches to sample")
    parser.add_argument("--batch-size", type=int, default=1000, help="items per batch")
    parser.add_argument("--export-rows", type=int, default=1_000_000,
                        help="labels in accepted batches to export")
    parser.add_argument("--seed", type=int, default=None, help="for the generated labels")
    parser.add_argument("--no-csv", action="store_true", help="export JSON Lines only")
    parser.add_argument("--measure-export", type=int, metavar="TASK_ID",
                        help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="jsonl", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_export:
        print(json.dumps(measure_export(args.measure_export, args.mode)))
        return
    run = uuid.uuid4().hex[:8]
    rng = random.Random(args.seed)

    call_command("migrate", database="default", verbosity=0)
    call_command("migrate", database="safety", verbosity=0)
    _, sampling_task, export_task, annotators = set_up(run, args.batch_size)
    started = time.perf_counter()
    sampled = load_labelled_batches(task=sampling_task, annotators=annotators,
                                    items=args.batches * args.batch_size,
                                    batch_size=args.batch_size, state=Batch.State.SUBMITTED,
                                    run=f"{run}s", rng=rng)
    accepted = load_labelled_batches(task=export_task, annotators=annotators,
                                     items=args.export_rows, batch_size=args.batch_size,
                                     state=Batch.State.ACCEPTED, run=f"{run}e", rng=rng)
    decide_accepted(export_task, accepted)
    analyse()
    loaded = time.perf_counter() - started
    print(f"database: {connection.vendor}; run {run}; functional labels in the database: "
          f"{FunctionalLabel.objects.count():,}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"fixture: {len(sampled):,} submitted batches of {args.batch_size:,} items and "
          f"{args.export_rows:,} labels in {len(accepted):,} accepted batches, loaded in bulk "
          f"in {loaded:.0f} s")

    report_sampling(measure_sampling(sampling_task, sampled), sampling_task, args.batch_size)
    for mode in ("jsonl", *(() if args.no_csv else ("csv",)), "job"):
        report_export(export_in_own_process(export_task.pk, mode), args.export_rows)


if __name__ == "__main__":
    main()
