"""Batch decisions: a fully checked sample decides its batch, and illegal content found
after the sample (in a label made again, or the same content judged illegal in a safety
label) invalidates it. Both run in the caller's transaction, with the batch locked."""

from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item
from annotation.services.rework import (
    batch_items_close,
    batch_lock,
    batch_transition,
    functional_labels_supersede,
)
from config.errors import Conflict
from config.transactions import transaction_required

from ..models import BatchDecision, Sample, SampleCheck


class BatchNotInReview(Conflict):
    code = "batch_not_in_review"


class SampleNotFullyChecked(Conflict):
    code = "sample_not_fully_checked"


def _sources(item_ids: set[int] | list[int]) -> dict[int, dict]:
    return {item.pk: {"source": item.source, "external_id": item.external_id}
            for item in Item.objects.filter(pk__in=item_ids)}


def _outcome(*, checks: list[SampleCheck], accept: int) -> tuple[str, set[int], set[int]]:
    """The outcome of a fully checked sample, with the items found illegal and those found
    inaccurate (an item found both is illegal): any illegal item invalidates the batch, more
    inaccurate items than ``accept`` send it back, anything else accepts it."""
    illegal = {check.item_id for check in checks if check.verdict == SampleCheck.Verdict.ILLEGAL}
    inaccurate = {check.item_id for check in checks
                  if check.verdict == SampleCheck.Verdict.INACCURATE} - illegal
    if illegal:
        return BatchDecision.Outcome.INVALIDATED, illegal, inaccurate
    if len(inaccurate) > accept:
        return BatchDecision.Outcome.REWORK, illegal, inaccurate
    return BatchDecision.Outcome.ACCEPTED, illegal, inaccurate


def _evidence(*, checks: list[SampleCheck], illegal: set[int], inaccurate: set[int]) -> dict:
    """What a decision keeps of its findings: each illegal item with its source and the
    checks that found it, each inaccurate item with its source and the reviewers' notes."""
    sources = _sources(illegal | inaccurate)
    return {
        "illegal": [{"item": item_id, **sources[item_id],
                     "checks": sorted(check.pk for check in checks if check.item_id == item_id
                                      and check.verdict == SampleCheck.Verdict.ILLEGAL)}
                    for item_id in sorted(illegal)],
        "inaccurate": [{"item": item_id, **sources[item_id],
                        "notes": [check.note for check in checks
                                  if check.item_id == item_id and check.note]}
                       for item_id in sorted(inaccurate)],
    }


@transaction_required
def batch_decide(*, sample_id: int) -> BatchDecision:
    """Decide the batch of a fully checked sample, in the caller's transaction: invalidate it
    on any illegal content, send it back when more items are inaccurate than the acceptance
    number allows, otherwise accept it; inaccurate items of an accepted batch are labelled
    again by somebody else and checked before it is exported. Deciding again returns the
    decision already taken.

    :raises BatchNotInReview: if the batch is not in review.
    :raises SampleNotFullyChecked: if a check of the sample has no verdict yet.
    """
    sample = Sample.objects.select_related("batch").get(pk=sample_id)
    batch = batch_lock(sample.batch_id)
    existing = BatchDecision.objects.filter(sample=sample).first()
    if existing is not None:
        return existing
    if batch.state != Batch.State.IN_REVIEW:
        raise BatchNotInReview(f"Batch {batch.number} is {batch.state}; it is not in review.")
    checks = list(sample.checks.filter(recheck=False))
    if any(not check.verdict for check in checks):
        raise SampleNotFullyChecked("The sample is not fully checked yet.")
    outcome, illegal, inaccurate = _outcome(checks=checks, accept=sample.accept)
    evidence = _evidence(checks=checks, illegal=illegal, inaccurate=inaccurate)
    decision = BatchDecision.objects.create(
        batch=batch, sample=sample, outcome=outcome,
        items_checked=len({check.item_id for check in checks}), labels_checked=len(checks),
        items_inaccurate=len(inaccurate), items_illegal=len(illegal), accept=sample.accept,
        reject=sample.reject, evidence=evidence, decided_at=timezone.now())
    numbers = {"decision": decision.pk, "items_checked": decision.items_checked,
               "inaccurate": len(inaccurate), "illegal": len(illegal),
               "accept": sample.accept, "reject": sample.reject}
    failed = frozenset(check.label_id for check in checks
                       if check.verdict != SampleCheck.Verdict.ACCURATE)
    if outcome == BatchDecision.Outcome.INVALIDATED:
        batch_transition(actor=None, batch=batch, to=Batch.State.INVALIDATED,
                         data={**numbers, "sources": evidence["illegal"]})
        batch_items_close(batch=batch)
    elif outcome == BatchDecision.Outcome.REWORK:
        batch_transition(actor=None, batch=batch, to=Batch.State.REWORK, data=numbers)
        current = FunctionalLabel.objects.filter(item__batch=batch, superseded_at=None)
        functional_labels_supersede(label_ids=list(current.values_list("pk", flat=True)),
                                    failed_ids=failed)
        batch_transition(actor=None, batch=batch, to=Batch.State.ANNOTATING,
                         data={"reason": "re-annotation of the whole batch"})
    elif inaccurate:
        batch_transition(actor=None, batch=batch, to=Batch.State.CORRECTING, data=numbers)
        functional_labels_supersede(label_ids=sorted(failed), failed_ids=failed)
    else:
        batch_transition(actor=None, batch=batch, to=Batch.State.ACCEPTED, data=numbers)
    return decision


@transaction_required
def batch_invalidate(*, batch: Batch, cause: str, item_ids: list[int],
                     evidence_extra: dict) -> BatchDecision:
    """Invalidate a locked batch for illegal content found after its sample, in the caller's
    transaction, with the evidence on a decision of its own. A batch that had already been
    exported is marked so that its labels are withdrawn from the training data."""
    sources = _sources(item_ids)
    exported = batch.first_exported_at is not None
    decision = BatchDecision.objects.create(
        batch=batch, sample=None, cause=cause, outcome=BatchDecision.Outcome.INVALIDATED,
        exported_before=exported, items_checked=0, labels_checked=0, items_inaccurate=0,
        items_illegal=len(item_ids), accept=0, reject=0,
        evidence={"illegal": [{"item": item_id, **sources.get(item_id, {})}
                              for item_id in sorted(item_ids)], **evidence_extra},
        decided_at=timezone.now())
    batch_transition(actor=None, batch=batch, to=Batch.State.INVALIDATED,
                     data={"decision": decision.pk, "cause": cause, "items": sorted(item_ids),
                           "exported_before": exported, **evidence_extra})
    batch_items_close(batch=batch)
    return decision
