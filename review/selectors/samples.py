"""Samples and their checks: the plan, the draw and the verdicts, with the risks each verdict
named (kept in the safety database)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from annotation.models import FunctionalLabel, Task
from annotation.pseudonyms import task_pseudonym
from safety_labels.selectors import verdict_risks

from ..models import Sample, SampleCheck
from ..strata import draw
from .access import task_get_for_review_reader


def sample_list_for_task(*, task: Task) -> QuerySet[Sample]:
    return (Sample.objects.filter(batch__task=task).select_related("batch")
            .annotate(checks_total=Count("checks"),
                      checks_done=Count("checks", filter=~Q(checks__verdict="")))
            .order_by("-drawn_at", "-pk"))


def sample_with_progress(*, sample: Sample) -> Sample:
    """The sample read again with how many of its checks there are and how many are done."""
    return sample_list_for_task(task=sample.batch.task).get(pk=sample.pk)


def sample_redraw(*, sample: Sample) -> list[int]:
    """Draw again from the stored seed and plan, for anyone who wants to verify a sample."""
    # The labels current when the sample was drawn.
    labels = list(FunctionalLabel.objects.filter(
        item__batch=sample.batch, submitted_at__lte=sample.drawn_at)
        .exclude(superseded_at__lte=sample.drawn_at)
        .values("item_id", "annotator_id", "too_fast"))
    item_ids, _ = draw(labels=labels, size=sample.plan_size, seed=sample.seed)
    return item_ids


def strata_pseudonymous(*, sample: Sample) -> dict:
    """A sample's strata with each annotator named by their pseudonym in the task, as
    reviewers see them: which items one person labelled, not who that person is."""
    task_id = sample.batch.task_id
    strata = dict(sample.strata)
    strata["annotators"] = {
        task_pseudonym(task_id=task_id, user_id=int(user_id)): item_ids
        for user_id, item_ids in sample.strata.get("annotators", {}).items()}
    return strata


def sample_get_for_actor(*, actor: AbstractBaseUser, sample_id: int) -> Sample:
    sample = Sample.objects.select_related("batch__task").filter(pk=sample_id).first()
    if sample is None:
        raise Http404("No such sample.")
    task_get_for_review_reader(actor=actor, task_id=sample.batch.task_id)
    return sample


def check_risk_codes(*, checks: list[SampleCheck]) -> dict[int, list[str]]:
    """The risk codes each of these checks' verdicts named, read from the safety database in
    one query."""
    codes = verdict_risks(risks_ids=[check.risks_id for check in checks])
    return {check.pk: codes.get(check.risks_id, []) for check in checks}


def sample_check_list(*, sample: Sample) -> list[SampleCheck]:
    """The sample's checks, first drawn then made again, each with the risk codes its
    verdict named; one query per database."""
    checks = list(sample.checks.select_related("reviewer", "annotator")
                  .order_by("recheck", "item_id", "pk"))
    codes = check_risk_codes(checks=checks)
    for check in checks:
        check.risk_codes = codes.get(check.pk, [])
    return checks
