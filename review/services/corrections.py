"""Corrections: an accepted batch whose sample found inaccurate items is corrected. Each
such item goes to another annotator, and each label made again is checked before the batch
is exported; the batch is accepted once every one passed."""

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from annotation.models import Batch, FunctionalLabel
from annotation.services.rework import (
    batch_lock,
    batch_transition,
    batch_unfinished,
    functional_labels_supersede,
)
from audit.services import record_event
from config.transactions import transaction_required

from ..models import BatchDecision, Sample, SampleCheck
from ..selectors import waiting_checks
from .decisions import batch_invalidate


@transaction_required
def batch_after_recheck(*, batch: Batch, check: SampleCheck) -> None:
    """A re-done label of the locked batch was checked, in the caller's transaction: illegal
    content invalidates the batch, an inaccurate label goes to somebody else again, and the
    batch is accepted once every re-done label passed."""
    if check.verdict == SampleCheck.Verdict.ILLEGAL:
        batch_invalidate(batch=batch, cause=BatchDecision.Cause.RECHECK, item_ids=[check.item_id],
                         evidence_extra={"checks": [check.pk]})
        return
    if check.verdict == SampleCheck.Verdict.INACCURATE:
        functional_labels_supersede(label_ids=[check.label_id],
                                    failed_ids=frozenset({check.label_id}))
    batch_accept_if_corrected(batch=batch)


def _redone_labels(batch_ids) -> QuerySet[FunctionalLabel]:
    """Current labels of batches being corrected that were made after the decision that sent
    them to be corrected: the labels each needing a check of its own."""
    latest = BatchDecision.objects.filter(batch=OuterRef("item__batch_id")) \
        .order_by("-decided_at", "-pk").values("decided_at")[:1]
    return (FunctionalLabel.objects.filter(item__batch_id__in=batch_ids, superseded_at=None,
                                           item__batch__state=Batch.State.CORRECTING)
            .annotate(decided_at=Subquery(latest)).filter(submitted_at__gt=F("decided_at")))


@transaction_required
def batch_accept_if_corrected(*, batch: Batch) -> bool:
    """Accept a locked batch being corrected once every item carries its labels again and
    every label made again passed its own check. A label made again whose check was never
    queued (its message is still on its way, or was lost) gets it now, and the batch waits
    for it."""
    if batch.state != Batch.State.CORRECTING or batch_unfinished(batch):
        return False
    unchecked = list(_redone_labels([batch.pk]).exclude(
        Exists(SampleCheck.objects.filter(label=OuterRef("pk")))).select_related("item"))
    for label in unchecked:
        _queue_recheck(batch=batch, label=label)
    if unchecked or waiting_checks().filter(sample__batch=batch).exists():
        return False
    rechecked = SampleCheck.objects.filter(sample__batch=batch, recheck=True).count()
    batch_transition(actor=None, batch=batch, to=Batch.State.ACCEPTED,
                     data={"reason": "every re-done label passed its check",
                           "rechecks": rechecked})
    return True


@transaction_required
def _queue_recheck(*, batch: Batch, label: FunctionalLabel) -> SampleCheck:
    """Queue the check of a label made again, in the caller's transaction (batch locked)."""
    existing = SampleCheck.objects.filter(label=label).first()
    if existing is not None:
        return existing
    sample = Sample.objects.filter(batch=batch).order_by("-round", "-pk").first()
    check = SampleCheck.objects.create(sample=sample, item_id=label.item_id, label=label,
                                       annotator_id=label.annotator_id,
                                       too_fast=label.too_fast, recheck=True)
    record_event(actor=None, action="sample_check.recheck_queued", target=check,
                 data={"batch": batch.pk, "label": label.pk, "item": label.item_id})
    return check


@transaction.atomic(durable=True)
def recheck_queue(*, label_id: int) -> SampleCheck | None:
    """Queue a check of a label made again in a batch being corrected; queueing it twice
    queues it once. None if the batch is no longer being corrected or the label was
    replaced."""
    batch_id = FunctionalLabel.objects.filter(pk=label_id).values_list(
        "item__batch_id", flat=True).first()
    if batch_id is None:
        return None
    batch = batch_lock(batch_id)
    label = FunctionalLabel.objects.get(pk=label_id)
    if batch.state != Batch.State.CORRECTING or label.superseded_at is not None:
        return None
    return _queue_recheck(batch=batch, label=label)


def rechecks_due(*, limit: int = 500) -> list[int]:
    """Labels made again in batches being corrected that have no check yet (their queueing
    was lost): for the periodic sweep. Returns the label ids."""
    checked = SampleCheck.objects.filter(label=OuterRef("pk"))
    correcting = Batch.objects.filter(state=Batch.State.CORRECTING).values("pk")
    return list(_redone_labels(correcting).exclude(Exists(checked))
                .values_list("pk", flat=True)[:limit])
