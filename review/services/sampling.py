"""Drawing a batch's sample: the plan from the rule version's quality indicators, then a
stratified draw reproducible from its stored seed."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Task
from annotation.permissions import MANAGE_TASKS
from annotation.services.rework import (
    batch_lock,
    batch_transition,
    batch_unfinished,
    batches_mark_submitted,
)
from audit.services import record_event
from config.celery import enqueue
from config.errors import Conflict, NotAllowed, NotFound
from config.transactions import transaction_required
from rules.models import RuleSet, RuleVersion, SamplingScheme

from .. import iso2859
from ..models import BatchDecision, Sample, SampleCheck
from ..strata import draw
from .corrections import rechecks_due


class BatchNotFound(NotFound):
    code = "batch_not_found"


class BatchNotSampleable(Conflict):
    code = "batch_not_sampleable"


class SampleDrawNotAllowed(NotAllowed):
    code = "sample_draw_not_allowed"


def plan_for(*, task: Task, batch_size: int) -> tuple[str, iso2859.SamplingPlan]:
    """The scheme and plan for a batch of ``batch_size`` items of the task now: the rule
    version's, or the task's own where it is stricter, with the switch to tightened
    inspection when either asks for it."""
    version: RuleVersion = task.rule_version
    if version.sampling_scheme != SamplingScheme.ISO_2859_1:
        return Sample.Scheme.FIXED, iso2859.fixed_rate_plan(
            batch_size, task.sample_rate if task.sample_rate is not None else version.sample_rate,
            task.sample_minimum if task.sample_minimum is not None else version.sample_minimum)
    severity = "normal"
    if version.tightened_switching or task.tightened_switching:
        severity = _severity_now(task)
    return Sample.Scheme.ISO_2859_1, iso2859.single_sampling_plan(
        batch_size, task.aql or version.aql, _inspection_level(task), severity)


def _inspection_level(task: Task) -> str:
    return task.inspection_level or task.rule_version.inspection_level or "II"


def _severity_now(task: Task) -> str:
    """Apply the switching rules to the task's decided first-round samples, newest last."""
    decided = list(Sample.objects.filter(batch__task=task, round=1, decision__isnull=False)
                   .order_by("drawn_at", "pk")
                   .values_list("severity", "decision__outcome"))
    severity, streak = "normal", []
    for used, outcome in decided:
        if used != severity:
            continue
        streak.append(outcome == BatchDecision.Outcome.ACCEPTED)
        switched = iso2859.severity_after(streak, severity)
        if switched != severity:
            severity, streak = switched, []
    return severity


def _current_labels(batch: Batch) -> list[dict]:
    return list(FunctionalLabel.objects.filter(item__batch=batch, superseded_at=None)
                .order_by("pk").values("pk", "item_id", "annotator_id", "too_fast"))


@transaction.atomic(durable=True)
def sample_draw(*, batch_id: int, seed: int | None = None) -> Sample:
    """Draw the sample of a submitted batch's current round and queue its checks. Drawing
    again for the same round returns the sample already drawn.

    :raises BatchNotSampleable: if the batch is not waiting for its sample.
    """
    batch = batch_lock(batch_id)
    return _draw_locked(batch, seed=seed)


@transaction_required
def _draw_locked(batch: Batch, *, seed: int | None = None) -> Sample:
    existing = Sample.objects.filter(batch=batch, round=batch.round).first()
    if existing is not None:
        return existing
    if batch.state != Batch.State.SUBMITTED:
        raise BatchNotSampleable(f"Batch {batch.number} is {batch.state}; only a batch with "
                                 "all its labels is sampled.")
    task = Task.objects.select_related("rule_version").get(pk=batch.task_id)
    labels = _current_labels(batch)
    batch_size = len({label["item_id"] for label in labels})
    scheme, plan = plan_for(task=task, batch_size=batch_size)
    seed = secrets.randbits(62) if seed is None else seed
    item_ids, strata = draw(labels=labels, size=plan.sample_size, seed=seed)
    sample = Sample.objects.create(
        batch=batch, round=batch.round, scheme=scheme, severity=plan.severity,
        aql=(task.aql or task.rule_version.aql) if scheme == Sample.Scheme.ISO_2859_1 else "",
        inspection_level=_inspection_level(task) if scheme == Sample.Scheme.ISO_2859_1 else "",
        code_letter=plan.code_letter, batch_size=batch_size, plan_size=plan.sample_size,
        accept=plan.accept, reject=plan.reject, seed=seed, item_ids=item_ids, strata=strata,
        drawn_at=timezone.now())
    chosen = set(item_ids)
    SampleCheck.objects.bulk_create([
        SampleCheck(sample=sample, item_id=label["item_id"], label_id=label["pk"],
                    annotator_id=label["annotator_id"], too_fast=label["too_fast"])
        for label in labels if label["item_id"] in chosen])
    batch_transition(actor=None, batch=batch, to=Batch.State.IN_REVIEW,
                     data={"sample": sample.pk, "items": len(item_ids)})
    record_event(actor=None, action="sample.drawn", target=sample,
                 data={"batch": batch.pk, "round": batch.round, "seed": seed,
                       "scheme": scheme, "severity": plan.severity,
                       "code_letter": plan.code_letter, "plan_size": plan.sample_size,
                       "accept": plan.accept, "reject": plan.reject, "items": len(item_ids)})
    return sample


@transaction.atomic(durable=True)
def sample_draw_by_hand(*, actor: AbstractBaseUser, batch_id: int) -> tuple[Sample, bool]:
    """A manager draws the sample of a batch whose labels are all in, without waiting for
    anything else. Returns the sample and whether it was drawn now; a batch already sampled
    in its round returns its sample.

    :raises SampleDrawNotAllowed: if the actor does not manage tasks.
    :raises BatchNotFound: if there is no such batch.
    :raises BatchNotSampleable: if the batch is of safety labels, a label is still missing
        or being made, or the batch is past sampling.
    """
    if not actor.has_perm(MANAGE_TASKS):
        raise SampleDrawNotAllowed("Only managers draw samples by hand.")
    if not Batch.objects.filter(pk=batch_id).exists():
        raise BatchNotFound(f"There is no batch {batch_id}.")
    batch = batch_lock(batch_id)
    existing = Sample.objects.filter(batch=batch, round=batch.round).first()
    if existing is not None:
        return existing, False
    if batch.task.is_safety:
        raise BatchNotSampleable("Safety labels are approved one by one; their batches are "
                                 "not sampled.")
    if batch.state == Batch.State.ANNOTATING:
        if batch_unfinished(batch):
            raise BatchNotSampleable(f"Batch {batch.number} still has items without their "
                                     "labels or being labelled; it is sampled once all are "
                                     "in.")
        batch_transition(actor=actor, batch=batch, to=Batch.State.SUBMITTED,
                         data={"reason": "sample drawn by hand"})
    sample = _draw_locked(batch)
    record_event(actor=actor, action="sample.drawn_by_hand", target=sample,
                 data={"batch": batch.pk, "round": sample.round})
    return sample, True


def batches_sample_due() -> list[int]:
    """Mark complete batches submitted and enqueue their draws; enqueue again the draw of a
    submitted batch still without its sample (a lost or failed draw), and the check of any
    re-done label whose queueing was lost. The periodic safety net: the label that completes
    a batch starts its draw itself, and drawing is idempotent."""
    marked = batches_mark_submitted(
        on_submitted=lambda batch_id: enqueue("review.tasks.draw_sample", batch_id=batch_id))
    drawn = Sample.objects.filter(batch=OuterRef("pk"), round=OuterRef("round"))
    stranded = list(Batch.objects.filter(state=Batch.State.SUBMITTED,
                                         task__kind=RuleSet.Kind.FUNCTIONAL)
                    .exclude(pk__in=marked).exclude(Exists(drawn))
                    .values_list("pk", flat=True)[:500])
    for batch_id in stranded:
        enqueue("review.tasks.draw_sample", batch_id=batch_id)
    for label_id in rechecks_due():
        enqueue("review.tasks.queue_recheck", label_id=label_id)
    return marked + stranded
