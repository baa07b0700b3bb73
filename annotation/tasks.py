from celery import shared_task

from jobs.services import jobs_sweep

from .models import ImportJob
from .services import (
    import_job_run,
    leases_expire_due,
    rule_version_announce,
    rule_versions_announce_due,
    safety_labels_reconcile,
)


@shared_task
def run_import(*, job_id: int) -> dict:
    job = import_job_run(job_id=job_id)
    return {"job_id": job.pk, "status": job.status, "created": job.created}


@shared_task
def sweep_imports() -> dict:
    return jobs_sweep(ImportJob)


@shared_task
def expire_leases() -> int:
    return leases_expire_due()


@shared_task
def reconcile_safety_labels() -> int:
    return safety_labels_reconcile()


@shared_task
def notify_new_rule_version(*, version_id: int, rule_set_id: int) -> int:
    """Mail the workers of tasks under the rule set that a new version awaits their reading."""
    return rule_version_announce(version_id=version_id, rule_set_id=rule_set_id)


@shared_task
def announce_rule_versions() -> list[int]:
    return rule_versions_announce_due()
