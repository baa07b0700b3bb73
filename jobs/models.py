"""The fields every background job keeps. A job's row is its own outbox: it says whether the
job still waits for a worker, which attempt owns it and when that attempt last showed life."""

from typing import ClassVar

from django.conf import settings
from django.db import models


class BackgroundJob(models.Model):
    """One job run by a Celery worker, at most ``JOB_MAX_ATTEMPTS`` times.

    A subclass names the Celery task that runs one in ``task_path``; the task is called with
    ``job_id`` and must start with ``job_claim``."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    task_path: ClassVar[str]

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # The attempt that owns the job now: a run whose attempt is no longer this one was taken
    # over and must not write its outcome.
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    # When the job's message last reached the broker; null while it never did (the broker
    # was out of reach), which is what the sweep sends again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def waiting_for_worker(self) -> bool:
        return self.status == self.Status.QUEUED

    @property
    def max_attempts(self) -> int:
        return settings.JOB_MAX_ATTEMPTS

    @property
    def status_text(self) -> str:
        """The job's state in words, as its page shows it."""
        if self.status == self.Status.QUEUED:
            return "Waiting for a worker" + (
                f" (attempt {self.attempts + 1} of {self.max_attempts})" if self.attempts
                else "")
        if self.status == self.Status.RUNNING:
            return f"Running (attempt {self.attempts} of {self.max_attempts})" \
                if self.attempts > 1 else "Running"
        return self.get_status_display()
