"""Reviewers check sampled labels; once a sample is fully checked its batch is decided.

Illegal and unhealthy content is the 29 risks of A.1 to A.4 of Appendix A; A.5 (inaccurate or
unreliable content) is not illegal, and a verdict naming only A.5 counts as inaccurate. The
risk codes a verdict names are kept in the safety database, committed before the verdict.

An accepted batch whose sample found inaccurate items is corrected: each item goes to
another annotator, and each label made again is checked before the batch is exported.
"""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item
from annotation.services.rework import (
    batch_items_close,
    batch_lock,
    batch_transition,
    batch_unfinished,
    functional_labels_supersede,
)
from audit.services import record_event
from config.celery import enqueue_on_commit
from rules.models import RiskCategory
from safety_labels.services import verdict_risks_record

from ..models import BatchDecision, Sample, SampleCheck
from ..selectors import waiting_checks
from .common import NotAReviewer, ReviewConflict, ReviewInvalid, check_reviewer, task_for_review

# A check claimed but not answered for this long goes back to the queue.
CLAIM_MINUTES = 30
MAX_NOTE = 5000
ILLEGAL_GROUPS = ("A.1.", "A.2.", "A.3.", "A.4.")


def illegal_codes(codes: list[str]) -> list[str]:
    """The codes among ``codes`` that name illegal or unhealthy content (A.1 to A.4)."""
    return [code for code in codes if code.startswith(ILLEGAL_GROUPS)]


def sample_check_next(*, reviewer: AbstractBaseUser, task_id: int) -> SampleCheck | None:
    """The check the reviewer holds in the task, or claim the next open one. Never one of
    an item the reviewer labelled. None when nothing is waiting.

    :raises NotAReviewer: if the person does not review the task.
    :raises ReviewRefused: without an active review credential or the acknowledgement.
    """
    task = task_for_review(task_id)
    check_reviewer(user=reviewer, task=task)
    mine = _open_checks(task_id).filter(reviewer=reviewer).order_by("pk").first()
    if mine is not None:
        return mine
    stale = timezone.now() - timedelta(minutes=CLAIM_MINUTES)
    labelled = FunctionalLabel.objects.filter(item_id=OuterRef("item_id"), annotator=reviewer)
    with transaction.atomic(durable=True):
        # Lock the check rows only: a claim on one label must not hide the whole sample.
        check = (waiting_checks().select_for_update(skip_locked=True, of=("self",))
                 .filter(sample__batch__task_id=task_id)
                 .filter(Q(reviewer=None) | Q(claimed_at__lt=stale))
                 .exclude(Exists(labelled)).order_by("pk").first())
        if check is None:
            return None
        previous = check.reviewer_id
        check.reviewer = reviewer
        check.claimed_at = timezone.now()
        check.save(update_fields=["reviewer", "claimed_at"])
        record_event(actor=reviewer, action="sample_check.claimed", target=check,
                     data={"sample": check.sample_id, "label": check.label_id,
                           "from_reviewer": previous, "recheck": check.recheck})
    return _open_checks(task_id).get(pk=check.pk)


def _open_checks(task_id: int):
    return (waiting_checks().filter(sample__batch__task_id=task_id)
            .select_related("item", "label", "sample__batch__task__rule_version"))


def valid_verdict(verdict: str, note: str, risk_codes: list) -> tuple[str, str, list[str]]:
    """Check a verdict and return it as it is recorded: a verdict of illegal content that
    names only A.5 risks is recorded as inaccurate.

    :raises ReviewInvalid: for an unknown verdict or code, a missing note or codes, or
        codes that do not fit the verdict.
    """
    if verdict not in SampleCheck.Verdict.values:
        raise ReviewInvalid(f"A verdict is one of {', '.join(SampleCheck.Verdict.values)}.",
                            detail={"verdict": ["Unknown verdict."]})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ReviewInvalid(f"The note is at most {MAX_NOTE} characters.",
                            detail={"note": [f"At most {MAX_NOTE} characters."]})
    if not isinstance(risk_codes, list) or not all(isinstance(c, str) for c in risk_codes):
        raise ReviewInvalid("Risk codes are a list such as [\"A.1.a\"].",
                            detail={"risk_codes": ["A list of codes."]})
    codes = sorted(set(risk_codes))
    unknown = sorted(set(codes) - set(RiskCategory.objects.values_list("code", flat=True)))
    if unknown:
        raise ReviewInvalid(f"Unknown risk codes: {', '.join(unknown)}.",
                            detail={"risk_codes": unknown})
    illegal = illegal_codes(codes)
    if verdict == SampleCheck.Verdict.ILLEGAL:
        if not codes:
            raise ReviewInvalid("Name the risk categories the content falls under.",
                                detail={"risk_codes": ["Required."]})
        if not illegal:
            # A.5 is inaccurate or unreliable content, not illegal content.
            verdict = SampleCheck.Verdict.INACCURATE
            note = note or "Inaccurate or unreliable content, not illegal content."
    elif verdict == SampleCheck.Verdict.INACCURATE:
        if illegal:
            raise ReviewInvalid(f"{', '.join(illegal)} name illegal or unhealthy content; "
                                "choose the illegal-content verdict for them.",
                                detail={"risk_codes": illegal})
        if not note:
            raise ReviewInvalid("Say what is wrong with the label.",
                                detail={"note": ["Required."]})
    elif codes:
        raise ReviewInvalid("An accurate label names no risk categories.",
                            detail={"risk_codes": ["Only with an inaccurate or illegal "
                                                   "verdict."]})
    return verdict, note, codes


def sample_check_record(*, reviewer: AbstractBaseUser, check_id: int, verdict: str,
                        note: str = "", risk_codes: list | None = None) -> SampleCheck:
    """Record a verdict on a sampled (or re-done) label. The last verdict of a sample decides
    its batch; a verdict on a re-done label accepts, corrects again or invalidates its batch.
    The risk codes named are committed in the safety database first.

    :raises NotAReviewer: if there is no such check among the reviewer's tasks.
    :raises ReviewRefused: without an active review credential or the acknowledgement.
    :raises ReviewInvalid: for a verdict that does not fit (see ``valid_verdict``).
    :raises ReviewConflict: if the check already has a verdict or another reviewer holds it.
    """
    found = SampleCheck.objects.filter(pk=check_id).values_list(
        "sample__batch__task_id", "item_id", "verdict").first()
    if found is None:
        raise NotAReviewer("No such check among yours.")
    task_id, item_id, checked = found
    check_reviewer(user=reviewer, task=task_for_review(task_id))
    if checked:
        raise ReviewConflict(f"This label was already checked ({checked}).")
    verdict, note, codes = valid_verdict(verdict, note, risk_codes or [])
    # Committed there first; a verdict refused below leaves an unused row, never a change.
    risks = verdict_risks_record(check_id=check_id, task_id=task_id, item_id=item_id,
                                 risk_codes=codes, now=timezone.now())
    return _record(reviewer=reviewer, check_id=check_id, verdict=verdict, note=note,
                   codes=codes, risks_id=risks.pk if risks else None)


@transaction.atomic(durable=True)
def _record(*, reviewer: AbstractBaseUser, check_id: int, verdict: str, note: str,
            codes: list[str], risks_id: int | None) -> SampleCheck:
    batch_id = SampleCheck.objects.filter(pk=check_id).values_list(
        "sample__batch_id", flat=True).get()
    # The batch lock orders verdicts of one batch, so that the last one decides once.
    batch = batch_lock(batch_id)
    check = SampleCheck.objects.select_for_update(of=("self",)).select_related("sample") \
        .get(pk=check_id)
    check_reviewer(user=reviewer, task=task_for_review(batch.task_id))
    if check.verdict:
        raise ReviewConflict(f"This label was already checked ({check.verdict}).")
    if not waiting_checks().filter(pk=check.pk).exists():
        raise ReviewConflict(f"Batch {batch.number} is {batch.state}; it takes no verdicts.")
    if check.reviewer_id not in (None, reviewer.pk) and check.claimed_at and \
            check.claimed_at > timezone.now() - timedelta(minutes=CLAIM_MINUTES):
        raise ReviewConflict("Another reviewer is checking this label.")
    if FunctionalLabel.objects.filter(item_id=check.item_id, annotator=reviewer).exists():
        raise NotAReviewer("No such check among yours.")
    check.reviewer = reviewer
    check.verdict = verdict
    check.note = note
    check.risks_id = risks_id
    check.checked_at = timezone.now()
    check.save(update_fields=["reviewer", "verdict", "note", "risks_id", "checked_at"])
    # The codes are in the safety database; the trail says how many, never which.
    record_event(actor=reviewer, action="sample_check.recorded", target=check,
                 data={"sample": check.sample_id, "label": check.label_id,
                       "verdict": verdict, "risks_named": len(codes),
                       "recheck": check.recheck})
    if check.recheck:
        _after_recheck(batch=batch, check=check)
    elif not check.sample.checks.filter(verdict="").exists():
        batch_decide(sample_id=check.sample_id)
    enqueue_on_commit("review.tasks.evaluate_quality", user_id=check.annotator_id,
                      kind="functional_annotate")
    return check


def _sources(item_ids) -> dict[int, dict]:
    return {item.pk: {"source": item.source, "external_id": item.external_id}
            for item in Item.objects.filter(pk__in=item_ids)}


def batch_decide(*, sample_id: int) -> BatchDecision:
    """Decide the batch of a fully checked sample, in the caller's transaction: invalidate it
    on any illegal content, send it back when more items are inaccurate than the acceptance
    number allows, otherwise accept it; inaccurate items of an accepted batch are labelled
    again by somebody else and checked before it is exported."""
    sample = Sample.objects.select_related("batch").get(pk=sample_id)
    batch = batch_lock(sample.batch_id)
    existing = BatchDecision.objects.filter(sample=sample).first()
    if existing is not None:
        return existing
    if batch.state != Batch.State.IN_REVIEW:
        raise ReviewConflict(f"Batch {batch.number} is {batch.state}; it is not in review.")
    checks = list(sample.checks.filter(recheck=False))
    if any(not check.verdict for check in checks):
        raise ReviewConflict("The sample is not fully checked yet.")
    illegal = {check.item_id for check in checks if check.verdict == SampleCheck.Verdict.ILLEGAL}
    inaccurate = {check.item_id for check in checks
                  if check.verdict == SampleCheck.Verdict.INACCURATE} - illegal
    if illegal:
        outcome = BatchDecision.Outcome.INVALIDATED
    elif len(inaccurate) > sample.accept:
        outcome = BatchDecision.Outcome.REWORK
    else:
        outcome = BatchDecision.Outcome.ACCEPTED
    sources = _sources(illegal | inaccurate)
    evidence = {
        "illegal": [{"item": item_id, **sources[item_id],
                     "checks": sorted(check.pk for check in checks if check.item_id == item_id
                                      and check.verdict == SampleCheck.Verdict.ILLEGAL)}
                    for item_id in sorted(illegal)],
        "inaccurate": [{"item": item_id, **sources[item_id],
                        "notes": [check.note for check in checks
                                  if check.item_id == item_id and check.note]}
                       for item_id in sorted(inaccurate)],
    }
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


def _after_recheck(*, batch: Batch, check: SampleCheck) -> None:
    """A re-done label was checked: illegal content invalidates the locked batch, an
    inaccurate label goes to somebody else again, and the batch is accepted once every
    re-done label passed."""
    if check.verdict == SampleCheck.Verdict.ILLEGAL:
        batch_invalidate(batch=batch, cause=BatchDecision.Cause.RECHECK, item_ids=[check.item_id],
                         evidence_extra={"checks": [check.pk]})
        return
    if check.verdict == SampleCheck.Verdict.INACCURATE:
        functional_labels_supersede(label_ids=[check.label_id],
                                    failed_ids=frozenset({check.label_id}))
    batch_accept_if_corrected(batch=batch)


def _redone_labels(batch_ids):
    """Current labels of batches being corrected that were made after the decision that sent
    them to be corrected: the labels each needing a check of its own."""
    latest = BatchDecision.objects.filter(batch=OuterRef("item__batch_id")) \
        .order_by("-decided_at", "-pk").values("decided_at")[:1]
    return (FunctionalLabel.objects.filter(item__batch_id__in=batch_ids, superseded_at=None,
                                           item__batch__state=Batch.State.CORRECTING)
            .annotate(decided_at=Subquery(latest)).filter(submitted_at__gt=F("decided_at")))


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
