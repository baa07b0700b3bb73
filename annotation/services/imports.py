"""Importing items: the upload is parsed within its limits (annotation/importers.py); bad
rows are reported by line with the reason and the good rows land together in one
transaction, so an import never lands half of its good rows.
"""

import hashlib
import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import record_event
from config.errors import Invalid
from jobs.services import (
    JobTakenOver,
    job_attempt_failed,
    job_claim,
    job_finish,
    job_heartbeat,
    job_send_on_commit,
)

from ..importers import (
    FORMATS,
    MB,
    PARSERS,
    FormatUnknown,
    Limits,
    Parsed,
    Row,
    detect_format,
)
from ..models import Batch, ImportJob, Item, Task
from .common import TaskClosed, require_task_manager
from .locks import task_qs_select_for_update
from .tasks import TaskNotFound, capacity_recheck

logger = logging.getLogger(__name__)


class UploadMissing(Invalid):
    code = "upload_missing"


class UploadTooLarge(Invalid):
    code = "upload_too_large"


class ImportFormatUnknown(Invalid):
    code = "import_format_unknown"


@transaction.atomic(durable=True)
def import_job_create(*, actor: AbstractBaseUser, task_id: int, upload: UploadedFile,
                      fmt: str = "") -> ImportJob:
    """Store an upload and queue its import; the job reports progress and bad rows.

    :raises TaskPermissionDenied: unless the actor manages tasks.
    :raises TaskNotFound: if there is no such task.
    :raises TaskClosed: if the task is closed.
    :raises UploadTooLarge: if the file is larger than ``IMPORT_MAX_UPLOAD_MB``.
    :raises ImportFormatUnknown: if the format is neither given nor told by the file's name,
        or is not one of ``FORMATS``.
    """
    require_task_manager(actor=actor)
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound(f"There is no task {task_id}.")
    if task.state == Task.State.CLOSED:
        raise TaskClosed(f"Task {task.name!r} is closed.")
    limits = Limits.from_settings()
    if upload.size > limits.upload_bytes:
        raise UploadTooLarge(f"The file is larger than {limits.upload_bytes // MB} MB "
                          "(IMPORT_MAX_UPLOAD_MB); split it into smaller files.",
                          detail={"file": [f"At most {limits.upload_bytes // MB} MB."]})
    try:
        fmt = fmt or detect_format(upload.name)
    except FormatUnknown as error:
        raise ImportFormatUnknown(str(error), detail={"file": [str(error)]}) from None
    if fmt not in FORMATS:
        raise ImportFormatUnknown(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.",
                          detail={"format": [f"One of {', '.join(FORMATS)}."]})
    job = ImportJob.objects.create(task=task, created_by=actor, file=upload,
                                   file_name=upload.name[:255], format=fmt)
    record_event(actor=actor, action="import.queued", target=job,
                 data={"task_id": task.pk, "file": job.file_name, "format": fmt})
    job_send_on_commit(job)
    return job


def _checksum(row: Row) -> str:
    return hashlib.sha256(row.media or row.text.encode("utf-8")).hexdigest()


def import_job_run(*, job_id: int) -> ImportJob:
    """Parse the job's file and land its good rows, once: a job finished, or alive in
    another worker, is left alone; one whose worker died is taken over; a failed attempt
    lands nothing and is tried again up to ``JOB_MAX_ATTEMPTS`` times."""
    job = job_claim(ImportJob, job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    try:
        with job_heartbeat(job):
            limits = Limits.from_settings()
            with job.file.open("rb") as handle:
                data = handle.read(limits.upload_bytes + 1)
            if len(data) > limits.upload_bytes:
                parsed = Parsed(errors=[{"line": 1, "reason": "larger than "
                                         f"{limits.upload_bytes // MB} MB "
                                         "(IMPORT_MAX_UPLOAD_MB)"}])
            else:
                parsed = PARSERS[job.format](data, job.file_name, limits)
            landed = _land(job, parsed)
    except Exception as error:  # reported on the job; nothing landed
        job_attempt_failed(job, error)
        raise
    if landed:
        _refresh_statistics()
    job.refresh_from_db()
    return job


def _refresh_statistics() -> None:
    """Tell PostgreSQL's planner about the new items at once. A task's first items are a
    small share of a large table, too few for autovacuum to analyse it again, and the planner
    would think the task empty and stop using the work-queue index."""
    if connection.vendor != "postgresql":
        return
    try:
        # Best effort: the items have landed; a busy table only delays the statistics.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            cursor.execute(f"ANALYZE {Item._meta.db_table}")
    except DatabaseError:
        logger.warning("Could not analyse %s after an import; autovacuum will.",
                       Item._meta.db_table, exc_info=True)


def _store_media(fresh: list[tuple[Row, str]]) -> dict[str, tuple[str, str]]:
    """Write the media files of new rows to storage before any lock is taken: a large zip
    must not hold the task's row while it writes. Returns, per checksum, the stored name and
    the content type. A file left by an import that then fails is never referenced."""
    stored = {}
    for row, checksum in fresh:
        if row.media:
            name = Item.file.field.generate_filename(None, row.media_name)
            stored[checksum] = (Item.file.field.storage.save(name, ContentFile(row.media)),
                                row.content_type)
    return stored


def _land(job: ImportJob, parsed: Parsed) -> bool:
    """Store the new items in batches, and the job's outcome, in one transaction; False
    (nothing stored) when another attempt took the job over meanwhile."""
    task = job.task
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(parsed.rows) + len(parsed.errors))
    seen = set(Item.objects.filter(task=task).values_list("checksum", flat=True))
    fresh: list[tuple[Row, str]] = []
    duplicates = 0
    for row in parsed.rows:
        checksum = _checksum(row)
        if checksum in seen:
            duplicates += 1
            continue
        seen.add(checksum)
        fresh.append((row, checksum))
    media = _store_media(fresh)
    try:
        with transaction.atomic():
            _land_locked(job, fresh, media, duplicates, parsed)
    except JobTakenOver:
        logger.warning("Import %s was taken over by a later attempt; attempt %s landed "
                       "nothing.", job.pk, job.attempts)
        return False
    return True


def _land_locked(job: ImportJob, fresh: list[tuple[Row, str]], media: dict,
                 duplicates: int, parsed: Parsed) -> None:
    """Land the new rows under the task's lock, then write the job's outcome; raises
    ``JobTakenOver`` (and the caller's transaction rolls back) when the attempt lost the
    job meanwhile."""
    task = job.task
    created = 0
    batch_numbers: list[int] = []
    # The task's lock orders imports of one task: batch numbers and sizes stay whole.
    locked = task_qs_select_for_update().get(pk=task.pk)
    number = (Batch.objects.filter(task=locked).aggregate(n=Max("number"))["n"] or 0)
    state = Batch.State.ANNOTATING if locked.state == Task.State.ACTIVE \
        else Batch.State.OPEN
    for start in range(0, len(fresh), locked.batch_size):
        number += 1
        batch = Batch.objects.create(task=locked, number=number, state=state,
                                     created_at=timezone.now())
        batch_numbers.append(number)
        items = []
        for row, checksum in fresh[start:start + locked.batch_size]:
            item = Item(task=locked, batch=batch, text=row.text, source=row.source,
                        external_id=row.external_id, checksum=checksum,
                        open_slots=locked.labels_per_item)
            if checksum in media:
                item.file.name, item.content_type = media[checksum]
                item.modality = item.content_type.split("/")[0]
            items.append(item)
        Item.objects.bulk_create(items, batch_size=1000)
        created += len(items)
    # The job's row is written last: an attempt taken over meanwhile finds it no longer
    # its own and rolls back, so that only one attempt's items ever land.
    if not job_finish(job, rows_done=len(parsed.rows) + len(parsed.errors),
                      created=created, duplicates=duplicates, errors=parsed.errors[:1000],
                      message=(f"{created} item(s) imported, {duplicates} duplicate(s) "
                               f"skipped, {len(parsed.errors)} row(s) refused.")):
        raise JobTakenOver(job)
    record_event(actor=job.created_by, action="import.done", target=job,
                 data={"task_id": task.pk, "created": created, "duplicates": duplicates,
                       "refused": len(parsed.errors), "batches_created": batch_numbers,
                       "batch_state": state})
    if created:
        capacity_recheck(task=locked, actor=job.created_by,
                         reason=f"{created} item(s) imported")
