import threading
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from annotation.models import ImportJob
from annotation.services import import_job_create, import_job_run
from config.errors import ApplicationError


class Command(BaseCommand):
    help = ("Import items into a task from JSONL, CSV, plain text, a Label Studio JSON export "
            "or a zip of media, showing progress; bad rows are listed by line.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("task_id", type=int)
        parser.add_argument("path", type=Path)
        parser.add_argument("--as", dest="username", required=True,
                            help="The manager the import is recorded under.")
        parser.add_argument("--format", default="", help="jsonl, csv, txt, labelstudio or zip "
                                                         "(default: from the file name)")

    def handle(self, *args, task_id: int, path: Path, username: str, format: str, **options):
        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user {username!r}.")
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            with path.open("rb") as handle:
                job = import_job_create(actor=actor, task_id=task_id,
                                        upload=File(handle, name=path.name), fmt=format)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        done = threading.Event()
        worker = threading.Thread(target=self._run, args=(job.pk, done))
        worker.start()
        while not done.wait(0.5):
            self._progress(job.pk)
        worker.join()
        job.refresh_from_db()
        self.stdout.write("")
        for error in job.errors:
            self.stdout.write(f"  line {error['line']}: {error['reason']}")
        if job.status != ImportJob.Status.DONE:
            raise CommandError(job.message or "The import failed.")
        self.stdout.write(self.style.SUCCESS(job.message))

    def _run(self, job_id: int, done: threading.Event) -> None:
        from django.db import connection

        try:
            import_job_run(job_id=job_id)
        finally:
            connection.close()
            done.set()

    def _progress(self, job_id: int) -> None:
        job = ImportJob.objects.get(pk=job_id)
        total = max(job.rows_total, 1)
        filled = int(30 * job.rows_done / total)
        self.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {job.status} "
                          f"{job.rows_done}/{job.rows_total} rows", ending="")
        self.stdout.flush()
        time.sleep(0)
