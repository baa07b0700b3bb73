"""Exports: only what passed review leaves the system. Functional labels of accepted batches
(a re-annotated item's new label, checked, replaces the old one) and safety labels approved
by enough qualified reviewers, streamed to storage with constant memory and audited. Safety
labels are written to a storage of their own. What an export carried out is recorded, so
that content found illegal later can be withdrawn."""

import tempfile
from array import array
from collections.abc import Iterator

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item, Task
from annotation.pseudonyms import pseudonym
from annotation.services.rework import batches_mark_exported
from audit.services import record_event
from config.errors import Conflict, Invalid, NotFound
from jobs.services import (
    job_attempt_failed,
    job_claim,
    job_finish,
    job_heartbeat,
    job_send_on_commit,
)
from rules.models import RuleVersion
from safety_labels.selectors import approved_labels, counted_approvals_by_label
from safety_labels.services import safety_labels_mark_exported

from .. import export_formats
from ..models import BatchDecision, ExportJob, SampleCheck
from ..selectors import require_export
from .common import TaskNotFound


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportFormatUnknown(Invalid):
    code = "export_format_unknown"


class ExportNotFinished(Conflict):
    code = "export_not_finished"


CHUNK = 10000
CHUNK_TEXT = 8_000_000
SAFETY_CHUNK = 500
PROGRESS_EVERY = 5000
SAMPLED = "batch accepted after sampling"
RECHECKED = "re-annotated after review, and checked"


def _versions(ids) -> dict[int, tuple[str, int, list]]:
    return {pk: (name, number, spec) for pk, name, number, spec in RuleVersion.objects
            .filter(pk__in=ids).values_list("pk", "rule_set__name", "number", "label_spec")}


def _items(ids) -> dict[int, dict]:
    return {item["pk"]: item for item in Item.objects.filter(pk__in=ids).values(
        "pk", "external_id", "source", "modality", "text", "file", "batch__number")}


class Carried:
    """What one export carries out: batch ids and safety label ids, kept compactly."""

    def __init__(self) -> None:
        self.batch_ids: set[int] = set()
        self.label_ids = array("q")


def functional_rows(*, task: Task, carried: Carried | None = None) -> Iterator[dict]:
    """Current labels of the task's accepted batches, in label order: one query per chunk,
    the item's fields joined in, the next chunk starting after the last label seen. A label
    made again after its item failed a check says so, with when it passed its own check."""
    labels = FunctionalLabel.objects.filter(task=task, superseded_at=None,
                                            item__batch__state=Batch.State.ACCEPTED)
    accepted_at = dict(BatchDecision.objects.filter(
        batch__task=task, outcome=BatchDecision.Outcome.ACCEPTED)
        .values_list("batch_id").annotate(at=Max("decided_at")))
    rechecked = dict(SampleCheck.objects.filter(
        sample__batch__task=task, recheck=True, verdict=SampleCheck.Verdict.ACCURATE)
        .values_list("label_id", "checked_at"))
    versions = _versions(labels.values("rule_version_id").distinct())
    names = _Pseudonyms()
    columns = ("pk", "item_id", "item__batch_id", "item__batch__number", "item__external_id",
               "item__source", "item__modality", "item__text", "item__file", "annotator_id",
               "rule_version_id", "payload", "started_at", "submitted_at")
    # Start at the task's first label: the primary-key walk then skips no other task's rows.
    first = FunctionalLabel.objects.filter(task=task, superseded_at=None) \
        .aggregate(first=Min("pk"))["first"]
    last, size = (first or 1) - 1, 1000
    while True:
        chunk = list(labels.filter(pk__gt=last).order_by("pk").values_list(*columns)[:size])
        if not chunk:
            return
        for (label_id, item_id, batch_id, batch_number, external_id, source, modality, text,
             file, annotator_id, version_id, payload, started_at, submitted_at) in chunk:
            rule_set, number, spec = versions[version_id]
            if label_id in rechecked:
                outcome, reviewed_at = RECHECKED, rechecked[label_id]
            else:
                outcome, reviewed_at = SAMPLED, accepted_at.get(batch_id)
            if carried is not None:
                carried.batch_ids.add(batch_id)
            yield {"kind": "functional", "task_id": task.pk, "task_name": task.name,
                   "batch_number": batch_number, "item_id": item_id, "external_id": external_id,
                   "source": source, "modality": modality, "text": text, "media": file or "",
                   "rule_set": rule_set, "rule_version": number,
                   "annotator": names[annotator_id], "label": payload,
                   "review_outcome": outcome,
                   "started_at": started_at, "submitted_at": submitted_at,
                   "reviewed_at": max(reviewed_at, submitted_at) if reviewed_at else None,
                   "label_spec": spec}
        last = chunk[-1][0]
        # Rows as many as about CHUNK_TEXT characters of item text allow: long items, fewer.
        text = sum(len(row[7]) for row in chunk) / len(chunk)
        size = max(50, min(CHUNK, int(CHUNK_TEXT / max(text, 1))))


class _Pseudonyms(dict):
    """Each annotator's pseudonym, computed once per export."""

    def __missing__(self, user_id: int) -> str:
        self[user_id] = pseudonym(user_id)
        return self[user_id]


def safety_rows(*, task: Task, carried: Carried | None = None) -> Iterator[dict]:
    """Approved safety labels of the task that still have enough counted approvals."""
    required = max(task.required_approvals, 1)
    labels = approved_labels(task_id=task.pk)
    # Ids cross from the safety database as values, never as a subquery.
    versions = _versions(set(labels.values_list("rule_version_id", flat=True).distinct()))
    last = 0
    while True:
        # Items come from the main database per chunk: few at a time, as their text may be long.
        chunk = list(labels.filter(pk__gt=last).order_by("pk")[:SAFETY_CHUNK])
        if not chunk:
            return
        approvals = counted_approvals_by_label(label_ids=[label.pk for label in chunk])
        items = _items([label.item_id for label in chunk])
        for label in chunk:
            counted = approvals.get(label.pk, [])
            if len(counted) < required or label.item_id not in items:
                continue
            if carried is not None:
                carried.label_ids.append(label.pk)
            rule_set, number, _ = versions[label.rule_version_id]
            yield _row(task, items[label.item_id], kind="safety", rule_set=rule_set,
                       number=number, annotator=label.annotator_id,
                       label={"risk_codes": label.risk_codes, "no_risk": label.no_risk,
                              "spans": label.spans, "note": label.note},
                       outcome=f"approved by {len(counted)} reviewer(s)",
                       started_at=label.started_at, submitted_at=label.submitted_at,
                       reviewed_at=max(approval.created_at for approval in counted))
        last = chunk[-1].pk


def _row(task: Task, item: dict, *, kind: str, rule_set: str, number: int, annotator: int,
         label: dict, outcome: str, started_at, submitted_at, reviewed_at,
         label_spec: list | None = None) -> dict:
    return {"kind": kind, "task_id": task.pk, "task_name": task.name,
            "batch_number": item["batch__number"] if kind == "functional" else None,
            "item_id": item["pk"], "external_id": item["external_id"],
            "source": item["source"], "modality": item["modality"], "text": item["text"],
            "media": item["file"] or "", "rule_set": rule_set, "rule_version": number,
            "annotator": pseudonym(annotator), "label": label, "review_outcome": outcome,
            "started_at": started_at, "submitted_at": submitted_at,
            "reviewed_at": reviewed_at, "label_spec": label_spec or []}


def export_rows(task: Task, carried: Carried | None = None) -> Iterator[dict]:
    """The rows an export of the task writes: its labels that passed review."""
    if task.is_safety:
        return safety_rows(task=task, carried=carried)
    return functional_rows(task=task, carried=carried)


@transaction.atomic(durable=True)
def export_job_create(*, actor: AbstractBaseUser, task_id: int, format: str) -> ExportJob:
    """Start an export of the task's labels that passed review; it runs in the background.

    :raises TaskNotFound: if there is no such task.
    :raises ExportNotAllowed: without the export permission (for safety labels, its own).
    :raises ExportFormatUnknown: for an unknown format.
    """
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound(f"Task {task_id} does not exist.")
    require_export(actor=actor, task=task)
    if format not in ExportJob.Format.values:
        raise ExportFormatUnknown(f"Export formats are {', '.join(ExportJob.Format.values)}.",
                            detail={"format": ["Unknown format."]})
    job = ExportJob.objects.create(task=task, created_by=actor, format=format,
                                   created_at=timezone.now())
    record_event(actor=actor, action="export.started", target=job,
                 data={"task": task.pk, "kind": task.kind, "format": format})
    job_send_on_commit(job)
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the export to storage, reporting progress, once: a job finished, or alive in
    another worker, is left alone; one whose worker died is taken over; a failed attempt
    publishes nothing and is tried again up to ``JOB_MAX_ATTEMPTS`` times."""
    job = job_claim(ExportJob, job_id)
    if job is None:
        return ExportJob.objects.get(pk=job_id)
    with job_heartbeat(job):
        return _export(job)


def _export(job: ExportJob) -> ExportJob:
    task = job.task
    counted = [0]
    carried = Carried()
    try:
        job.rows_total = _count(task)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)

        def progress(rows: Iterator[dict]) -> Iterator[dict]:
            for row in rows:
                counted[0] += 1
                if counted[0] % PROGRESS_EVERY == 0:
                    ExportJob.objects.filter(pk=job.pk).update(rows_done=counted[0])
                yield row

        fmt = export_formats.FORMATS[job.format]
        with tempfile.TemporaryFile() as spool:
            for chunk in export_formats.render(progress(export_rows(task, carried)),
                                               job.format):
                spool.write(chunk)
            spool.seek(0)
            name = f"task-{task.pk}-export-{job.pk}.{fmt.extension}"
            output = job.safety_file if task.is_safety else job.file
            output.save(name, File(spool), save=False)
    except Exception as error:
        # Nothing was published: the file is not the job's until it is done.
        job_attempt_failed(job, error)
        raise
    with transaction.atomic():
        # Only the attempt that still owns the job finishes it; one taken over stops here.
        finished = job_finish(job, rows_done=counted[0], rows_total=job.rows_total,
                              file=job.file.name, safety_file=job.safety_file.name,
                              message=f"{counted[0]} labels exported.")
        finished_at = ExportJob.objects.values_list("finished_at", flat=True).get(pk=job.pk)
        if finished:
            batches_mark_exported(batch_ids=sorted(carried.batch_ids), at=finished_at)
            # A batch invalidated while this export ran is in the file all the same: its
            # labels are to be withdrawn.
            BatchDecision.objects.filter(
                batch_id__in=carried.batch_ids, outcome=BatchDecision.Outcome.INVALIDATED,
                exported_before=False).update(exported_before=True)
            record_event(actor=None, action="export.finished", target=job,
                         data={"task": task.pk, "rows": counted[0],
                               "file": job.output.name,
                               "batches": sorted(carried.batch_ids)})
    if finished and carried.label_ids:
        # The safety database cannot join the transaction above: the labels are marked once
        # it committed. A crash between leaves them unmarked, so that their approvals may
        # still be withdrawn: the safe side.
        safety_labels_mark_exported(label_ids=list(carried.label_ids), at=finished_at)
    job.refresh_from_db()
    return job


def _count(task: Task) -> int:
    if task.is_safety:
        return approved_labels(task_id=task.pk).count()
    return FunctionalLabel.objects.filter(task=task, superseded_at=None,
                                          item__batch__state=Batch.State.ACCEPTED).count()


@transaction.atomic(durable=True)
def export_job_download(*, actor: AbstractBaseUser, job_id: int) -> ExportJob:
    """Record who takes a finished export's file; the caller streams it.

    :raises ExportNotFound: if there is no such export.
    :raises ExportNotAllowed: without the permission to export its labels.
    :raises ExportNotFinished: if the export has not finished.
    """
    job = ExportJob.objects.select_related("task").filter(pk=job_id).first()
    if job is None:
        raise ExportNotFound(f"Export {job_id} does not exist.")
    require_export(actor=actor, task=job.task)
    if job.status != ExportJob.Status.DONE:
        raise ExportNotFinished(f"Export {job.pk} is {job.status}; download it once done.")
    record_event(actor=actor, action="export.downloaded", target=job,
                 data={"task": job.task_id, "file": job.output.name, "rows": job.rows_done})
    return job


