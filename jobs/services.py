"""The life of a background job: sent to the broker after the commit that made it, claimed by
one attempt at a time, kept alive by a heartbeat, taken over when its worker goes silent,
sent again when its message was lost, and failed with the reason after
``JOB_MAX_ATTEMPTS`` attempts. A job's task runs it as::

    job = job_claim(ImportJob, job_id)
    if job is None:
        return                       # finished, or alive in another worker
    with job_heartbeat(job):
        try:
            ...                      # the work, whose last write is job_finish()
        except Exception as error:
            job_attempt_failed(job, error)
            raise
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from audit.services import record_event
from config.celery import enqueue
from config.transactions import transaction_required

from .models import BackgroundJob

logger = logging.getLogger(__name__)

Status = BackgroundJob.Status
FINISHED = (Status.DONE, Status.FAILED)


def job_qs_select_for_update(model: type[BackgroundJob]):
    """Jobs of ``model`` locked for update: their own rows only (never the task or export
    they belong to, which labelling and review lock), in primary-key order so that two
    callers locking several take them in one order and never deadlock."""
    return model.objects.select_for_update(of=("self",)).order_by("pk")


class JobTakenOver(Exception):
    """This attempt no longer owns its job: a later one took it over. Raised inside the
    transaction that would have written the attempt's outcome, to roll it back."""


def _label(job: BackgroundJob) -> str:
    return job._meta.model_name.removesuffix("job")


def job_send(job: BackgroundJob) -> bool:
    """Send the job's message to the broker. Never raises: with the broker out of reach the
    job stays queued, its row the outbox that ``jobs_sweep`` sends again."""
    try:
        enqueue(job.task_path, job_id=job.pk)
    except BrokerUnavailable:
        logger.warning("The broker is out of reach: %s %s waits for the sweep to send it.",
                       _label(job), job.pk)
        return False
    except Exception:
        # Run at once (tasks run eagerly) and failed: the job's row says why.
        logger.exception("%s %s failed when run at once.", _label(job), job.pk)
        return False
    type(job).objects.filter(pk=job.pk, status=Status.QUEUED).update(
        enqueued_at=timezone.now())
    return True


def job_send_on_commit(job: BackgroundJob) -> None:
    """Send the job once the transaction that created it commits; the request that made it
    never waits on, nor fails with, the broker."""
    transaction.on_commit(lambda: job_send(job), robust=True)


def _silent_since(now) -> object:
    return now - timedelta(minutes=settings.JOB_STALE_MINUTES)


def _last_sign_of_life(job: BackgroundJob):
    return job.heartbeat_at or job.started_at


def _give_up(job: BackgroundJob, now) -> None:
    reason = job.message or "its worker stopped before it finished, each time"
    job.status = Status.FAILED
    job.finished_at = now
    job.message = f"Failed after {job.attempts} attempt(s). {reason}"
    job.save(update_fields=["status", "finished_at", "message"])
    record_event(actor=None, action=f"{_label(job)}.failed", target=job,
                 data={"attempts": job.attempts, "reason": reason[:500]})


def job_claim(model: type[BackgroundJob], job_id: int) -> BackgroundJob | None:
    """Take the job for a new attempt and return it; None when there is nothing to do: it
    finished, another worker is alive on it, or it used up its attempts (then it fails with
    the reason). A job left running by a worker silent for ``JOB_STALE_MINUTES`` is taken
    over, so a re-delivered message never finds it "running" for ever."""
    now = timezone.now()
    with transaction.atomic():
        job = job_qs_select_for_update(model).filter(pk=job_id).first()
        if job is None or job.status in FINISHED:
            return None
        last = _last_sign_of_life(job)
        silent = job.status == Status.RUNNING and (last is None or last < _silent_since(now))
        if job.status == Status.RUNNING and not silent:
            return None
        if silent:
            job.message = f"Attempt {job.attempts} stopped showing signs of life (its " \
                          "worker died or was stopped)."
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            _give_up(job, now)
            return None
        job.status = Status.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.finished_at = None
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at",
                                "finished_at", "message"])
    return job


def _owned(job: BackgroundJob):
    return type(job).objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)


@transaction_required
def job_owned(job: BackgroundJob) -> bool:
    """Whether this attempt still owns the job; inside a transaction, the row stays locked
    until it ends, so that the attempt's last writes and a takeover never interleave."""
    return _owned(job).select_for_update(of=("self",)).exists()


def job_finish(job: BackgroundJob, **fields) -> bool:
    """Mark the job done with ``fields``, if this attempt still owns it; False if another
    attempt took it over (this one's work is then not the job's outcome: raise
    ``JobTakenOver`` to roll back what it wrote in the same transaction). Written last in
    that transaction, the job's row is locked only for its commit, so that the heartbeat
    and a takeover never wait on the work itself."""
    return bool(_owned(job).update(status=Status.DONE, finished_at=timezone.now(), **fields))


def job_attempt_failed(job: BackgroundJob, error: BaseException) -> None:
    """Record a failed attempt: the job waits for another (the sweep sends it) or, its
    attempts used up, fails with the reason shown on its page."""
    reason = f"{error.__class__.__name__}: {str(error).splitlines()[0][:300]}" \
        if str(error) else error.__class__.__name__
    with transaction.atomic():
        if not job_owned(job):
            return
        job.refresh_from_db()
        if job.attempts < settings.JOB_MAX_ATTEMPTS:
            _owned(job).update(status=Status.QUEUED, enqueued_at=None,
                               message=f"Attempt {job.attempts} failed ({reason}); it will be "
                                       "tried again within minutes.")
        else:
            job.message = f"The last attempt failed with {reason}."
            _give_up(job, timezone.now())


class _Heartbeat(threading.Thread):
    def __init__(self, job: BackgroundJob) -> None:
        super().__init__(name=f"heartbeat-{_label(job)}-{job.pk}", daemon=True)
        self.job = job
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    _owned(self.job).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    # The run's own transaction may hold the row a while: beat again later.
                    logger.info("Heartbeat of %s %s skipped.", _label(self.job), self.job.pk)
        finally:
            connections.close_all()


@contextmanager
def job_heartbeat(job: BackgroundJob) -> Iterator[None]:
    """Show that the attempt is alive every ``JOB_HEARTBEAT_SECONDS`` while the block runs,
    from a thread of the worker's process: a killed worker stops beating, a slow one not."""
    beat = _Heartbeat(job)
    beat.start()
    try:
        yield
    finally:
        beat.stopped.set()
        beat.join(timeout=10)


def jobs_sweep(model: type[BackgroundJob]) -> dict[str, list[int]]:
    """Send again each job whose message is gone: queued and never sent (the broker was out
    of reach), queued and sent ``JOB_RESEND_MINUTES`` ago without a worker taking it, or
    running with its worker silent for ``JOB_STALE_MINUTES`` (it is taken over). A silent job
    with no attempt left fails here. Returns the ids sent and failed."""
    now = timezone.now()
    silent = list(model.objects.filter(status=Status.RUNNING)
                  .annotate(alive_at=Coalesce("heartbeat_at", "started_at"))
                  .filter(Q(alive_at__lt=_silent_since(now)) | Q(alive_at=None))
                  .values_list("pk", flat=True)[:500])
    lost = list(model.objects.filter(status=Status.QUEUED).filter(
        Q(enqueued_at=None)
        | Q(enqueued_at__lt=now - timedelta(minutes=settings.JOB_RESEND_MINUTES)))
        .values_list("pk", flat=True)[:500])
    sent, failed = [], []
    for job_id in silent + lost:
        job = model.objects.get(pk=job_id)
        if job.status == Status.RUNNING and job.attempts >= settings.JOB_MAX_ATTEMPTS:
            # No attempt left: fail it here, whether or not a worker is there to see it.
            job_claim(model, job_id)
            if model.objects.filter(pk=job_id, status=Status.FAILED).exists():
                failed.append(job_id)
            continue
        if job_send(job):
            sent.append(job_id)
    if sent or failed:
        logger.warning("%s sweep: sent %s again, failed %s.", model._meta.model_name, sent,
                       failed)
    return {"sent": sent, "failed": failed}
