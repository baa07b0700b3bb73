"""Importing items: JSONL, CSV, plain text, Label Studio's JSON export, and zips of media.

Every row is checked; bad rows are reported by line with the reason and the good rows land
together in one transaction, so an import never lands half of its good rows.
"""

import csv
import hashlib
import io
import json
import logging
import mimetypes
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import record_event

from ..models import Batch, ImportJob, Item, Task
from .common import TaskConflict, TaskInvalid, require_task_manager
from .tasks import TaskNotFound, capacity_recheck

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
MAX_MEDIA_BYTES = 50 * 1024 * 1024
FORMATS = ("jsonl", "csv", "txt", "labelstudio", "zip")
MEDIA_TYPES = {"image": {"image/png", "image/jpeg", "image/gif", "image/webp"},
               "audio": {"audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/mp4"},
               "video": {"video/mp4", "video/webm", "video/ogg"}}

logger = logging.getLogger(__name__)


@dataclass
class Row:
    line: int
    text: str = ""
    external_id: str = ""
    source: str = ""
    media_name: str = ""
    media: bytes = b""


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, line: int, reason: str) -> None:
        self.errors.append({"line": line, "reason": reason})


def detect_format(name: str) -> str:
    lower = name.lower()
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"),
                        (".txt", "txt"), (".json", "labelstudio"), (".zip", "zip")):
        if lower.endswith(suffix):
            return fmt
    raise TaskInvalid(f"Cannot tell the format of {name!r}: use .jsonl, .csv, .txt, .json "
                      "(Label Studio export) or .zip (media).")


def _text_row(parsed: Parsed, line: int, record: Any, *, default_source: str) -> None:
    if not isinstance(record, dict):
        parsed.error(line, "expected an object with a \"text\" field")
        return
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        parsed.error(line, "missing field \"text\"")
        return
    if len(text) > MAX_TEXT_CHARS:
        parsed.error(line, f"text longer than {MAX_TEXT_CHARS} characters")
        return
    parsed.rows.append(Row(line=line, text=text, external_id=str(record.get("id", ""))[:200],
                           source=str(record.get("source", default_source))[:300]))


def _decode(raw: bytes, parsed: Parsed, line: int) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        parsed.error(line, "not valid UTF-8")
        return None


def parse_jsonl(data: bytes, source: str) -> Parsed:
    parsed = Parsed()
    for line, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        text = _decode(raw, parsed, line)
        if text is None:
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            parsed.error(line, f"not JSON: {error.msg}")
            continue
        _text_row(parsed, line, record, default_source=source)
    return parsed


def parse_txt(data: bytes, source: str) -> Parsed:
    parsed = Parsed()
    for line, raw in enumerate(data.splitlines(), start=1):
        text = _decode(raw, parsed, line)
        if text is not None and text.strip():
            _text_row(parsed, line, {"text": text}, default_source=source)
    return parsed


def parse_csv(data: bytes, source: str) -> Parsed:
    parsed = Parsed()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Report the line of the first bad byte; a CSV cannot be read past it reliably.
        parsed.error(data[:error.start].count(b"\n") + 1, "not valid UTF-8")
        return parsed
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "text" not in reader.fieldnames:
        parsed.error(1, "the header has no \"text\" column")
        return parsed
    for record in reader:
        _text_row(parsed, reader.line_num, record, default_source=source)
    return parsed


def _media_row(parsed: Parsed, line: int, name: str, content: bytes, *, source: str,
               external_id: str = "") -> None:
    content_type = mimetypes.guess_type(name)[0] or ""
    if not any(content_type in types for types in MEDIA_TYPES.values()):
        parsed.error(line, f"{name}: unknown media type")
        return
    if len(content) > MAX_MEDIA_BYTES:
        parsed.error(line, f"{name}: larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB")
        return
    parsed.rows.append(Row(line=line, media_name=name, media=content, source=source,
                           external_id=external_id or name))


def parse_labelstudio(data: bytes, source: str, files: dict[str, bytes] | None = None) -> Parsed:
    parsed = Parsed()
    text = _decode(data, parsed, 1)
    if text is None:
        return parsed
    try:
        tasks = json.loads(text)
    except json.JSONDecodeError as error:
        parsed.error(error.lineno, f"not JSON: {error.msg}")
        return parsed
    if not isinstance(tasks, list):
        parsed.error(1, "a Label Studio export is a list of tasks")
        return parsed
    for number, task in enumerate(tasks, start=1):
        data_field = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data_field, dict):
            parsed.error(number, "task has no \"data\" object")
            continue
        external_id = str(task.get("id", ""))
        if isinstance(data_field.get("text"), str):
            _text_row(parsed, number, {"text": data_field["text"], "id": external_id},
                      default_source=source)
            continue
        url = next((data_field[k] for k in ("image", "audio", "video") if k in data_field), None)
        if not isinstance(url, str):
            parsed.error(number, "task has neither data.text nor a media URL")
            continue
        name = posixpath.basename(url.split("?")[0])
        if files is None or name not in files:
            parsed.error(number, f"media {name!r} is not inside the upload")
            continue
        _media_row(parsed, number, name, files[name], source=source, external_id=external_id)
    return parsed


def parse_zip(data: bytes, source: str) -> Parsed:
    parsed = Parsed()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        parsed.error(1, "not a zip file")
        return parsed
    entries = [info for info in archive.infolist() if not info.is_dir()
               and not posixpath.basename(info.filename).startswith(".")]
    if sum(info.file_size for info in entries) > 4 * MAX_UPLOAD_BYTES:
        parsed.error(1, "the zip unpacks to more than 800 MB")
        return parsed
    files = {posixpath.basename(info.filename): info for info in entries}
    manifest = next((info for info in entries if info.filename.lower().endswith(".json")), None)
    if manifest is not None:
        contents = {name: archive.read(info) for name, info in files.items()
                    if info is not manifest and info.file_size <= MAX_MEDIA_BYTES}
        return parse_labelstudio(archive.read(manifest), source, contents)
    for number, info in enumerate(entries, start=1):
        if info.file_size > MAX_MEDIA_BYTES:
            parsed.error(number, f"{info.filename}: larger than "
                                 f"{MAX_MEDIA_BYTES // (1024 * 1024)} MB")
            continue
        _media_row(parsed, number, posixpath.basename(info.filename), archive.read(info),
                   source=source)
    return parsed


PARSERS = {"jsonl": parse_jsonl, "csv": parse_csv, "txt": parse_txt,
           "labelstudio": parse_labelstudio, "zip": parse_zip}


@transaction.atomic(durable=True)
def import_job_create(*, actor: AbstractBaseUser, task_id: int, upload: UploadedFile,
                      fmt: str = "") -> ImportJob:
    """Store an upload and queue its import; the job reports progress and bad rows."""
    require_task_manager(actor)
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise TaskNotFound(f"There is no task {task_id}.")
    if task.state == Task.State.CLOSED:
        raise TaskConflict(f"Task {task.name!r} is closed.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise TaskInvalid(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    fmt = fmt or detect_format(upload.name)
    if fmt not in FORMATS:
        raise TaskInvalid(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    job = ImportJob.objects.create(task=task, created_by=actor, file=upload,
                                   file_name=upload.name[:255], format=fmt)
    record_event(actor=actor, action="import.queued", target=job,
                 data={"task_id": task.pk, "file": job.file_name, "format": fmt})
    from ..tasks import run_import  # the tasks module imports these services

    transaction.on_commit(lambda: run_import.delay(job_id=job.pk))
    return job


def _checksum(row: Row) -> str:
    return hashlib.sha256(row.media or row.text.encode("utf-8")).hexdigest()


def import_job_run(*, job_id: int) -> ImportJob:
    """Parse the job's file and land its good rows; safe to run again (it runs once)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).select_related("task") \
            .get(pk=job_id)
        if job.status != ImportJob.Status.QUEUED:
            return job
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        parsed = PARSERS[job.format](data, job.file_name)
        _land(job, parsed)
    except Exception as error:  # reported on the job; nothing landed
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=f"The import failed: {error}",
            finished_at=timezone.now())
        raise
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
            content_type = mimetypes.guess_type(row.media_name)[0] or ""
            name = Item.file.field.generate_filename(None, row.media_name)
            stored[checksum] = (Item.file.field.storage.save(name, ContentFile(row.media)),
                                content_type)
    return stored


def _land(job: ImportJob, parsed: Parsed) -> None:
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
    created = 0
    batch_numbers: list[int] = []
    with transaction.atomic():
        # The task's lock orders imports of one task: batch numbers and sizes stay whole.
        locked = Task.objects.select_for_update().get(pk=task.pk)
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
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, rows_done=len(parsed.rows) + len(parsed.errors),
            created=created, duplicates=duplicates, errors=parsed.errors[:1000],
            message=(f"{created} item(s) imported, {duplicates} duplicate(s) skipped, "
                     f"{len(parsed.errors)} row(s) refused."),
            finished_at=timezone.now())
        record_event(actor=job.created_by, action="import.done", target=job,
                     data={"task_id": task.pk, "created": created, "duplicates": duplicates,
                           "refused": len(parsed.errors), "batches_created": batch_numbers,
                           "batch_state": state})
        if created:
            capacity_recheck(task=locked, actor=job.created_by,
                             reason=f"{created} item(s) imported")
