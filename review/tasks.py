from celery import shared_task

from jobs.services import jobs_sweep

from .models import ExportJob
from .services import batches_sample_due, export_job_run, quality_evaluate, sample_draw
from .services.approvals import safety_approvals_withdraw_for, safety_decisions_reconcile
from .services.corrections import recheck_queue
from .services.quality import quality_evaluate_recent


@shared_task
def sample_complete_batches() -> int:
    return len(batches_sample_due())


@shared_task
def draw_sample(*, batch_id: int) -> int:
    return sample_draw(batch_id=batch_id).pk


@shared_task
def queue_recheck(*, label_id: int) -> int | None:
    check = recheck_queue(label_id=label_id)
    return check.pk if check else None


@shared_task
def evaluate_quality(*, user_id: int, kind: str) -> int | None:
    signal = quality_evaluate(user_id=user_id, kind=kind)
    return signal.pk if signal else None


@shared_task
def evaluate_recent_quality(*, since_minutes: int = 60) -> int:
    return quality_evaluate_recent(since_minutes=since_minutes)


@shared_task
def run_export(*, job_id: int) -> dict:
    job = export_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status, "rows": job.rows_done}


@shared_task
def reconcile_safety_decisions() -> int:
    return safety_decisions_reconcile()


@shared_task
def sweep_exports() -> dict:
    return jobs_sweep(ExportJob)


@shared_task
def withdraw_approvals(*, credential_id: int, reason: str) -> int:
    return safety_approvals_withdraw_for(credential_ids=[credential_id], reason=reason)
