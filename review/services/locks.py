"""Row locks of the review app, one helper per model it locks.

Each locks only the rows of its own table (``of=("self",)``): a join, to the sample or the
batch's task, must not lock those rows too, which every other verdict and lease of the task
would then wait for. Rows are locked in primary-key order, so that two transactions that lock
several take them in the same order and never deadlock. Batches are locked through
``annotation.services.rework.batch_lock``; export jobs through ``jobs.services.job_claim``.
"""

from django.db.models import QuerySet

from ..models import QualityPolicy, SampleCheck


def sample_check_qs_select_for_update(*, skip_locked: bool = False) -> QuerySet[SampleCheck]:
    """Sample checks locked for a claim or a verdict; ``skip_locked`` for the work queue,
    which passes over checks another reviewer is claiming."""
    return SampleCheck.objects.select_for_update(of=("self",), skip_locked=skip_locked) \
        .order_by("pk")


def quality_policy_qs_select_for_update() -> QuerySet[QualityPolicy]:
    return QualityPolicy.objects.select_for_update(of=("self",)).order_by("pk")
