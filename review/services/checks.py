"""Reviewers check sampled labels; once a sample is fully checked its batch is decided."""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item
from annotation.services.rework import (
    batch_items_close,
    batch_lock,
    batch_transition,
    functional_labels_supersede,
)
from audit.services import record_event
from rules.models import RiskCategory

from ..models import BatchDecision, Sample, SampleCheck
from .common import NotAReviewer, ReviewConflict, ReviewInvalid, check_reviewer, task_for_review

# A check claimed but not answered for this long goes back to the queue.
CLAIM_MINUTES = 30
MAX_NOTE = 5000


def sample_check_next(*, reviewer: AbstractBaseUser, task_id: int) -> SampleCheck | None:
    """The check the reviewer holds in the task, or claim the next open one. Never one of
    an item the reviewer labelled. None when nothing is waiting."""
    task = task_for_review(task_id)
    check_reviewer(user=reviewer, task=task)
    mine = _open_checks(task_id).filter(reviewer=reviewer).order_by("pk").first()
    if mine is not None:
        return mine
    stale = timezone.now() - timedelta(minutes=CLAIM_MINUTES)
    labelled = FunctionalLabel.objects.filter(item_id=OuterRef("item_id"), annotator=reviewer)
    with transaction.atomic():
        # Lock the check rows only: a claim on one label must not hide the whole sample.
        check = (SampleCheck.objects.select_for_update(skip_locked=True, of=("self",))
                 .filter(sample__batch__task_id=task_id, verdict="",
                         sample__batch__state=Batch.State.IN_REVIEW)
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
                           "from_reviewer": previous})
    return _open_checks(task_id).get(pk=check.pk)


def _open_checks(task_id: int):
    return (SampleCheck.objects.select_related("item", "label", "sample__batch__task__rule_version")
            .filter(sample__batch__task_id=task_id, verdict="",
                    sample__batch__state=Batch.State.IN_REVIEW))


def _valid_verdict(verdict: str, note: str, risk_codes: list) -> tuple[str, list[str]]:
    if verdict not in SampleCheck.Verdict.values:
        raise ReviewInvalid(f"A verdict is one of {', '.join(SampleCheck.Verdict.values)}.",
                            detail={"verdict": ["Unknown verdict."]})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ReviewInvalid(f"The note is at most {MAX_NOTE} characters.")
    if verdict == SampleCheck.Verdict.INACCURATE and not note:
        raise ReviewInvalid("Say what is wrong with the label.", detail={"note": ["Required."]})
    codes = sorted(set(risk_codes or []))
    if verdict == SampleCheck.Verdict.ILLEGAL:
        if not codes:
            raise ReviewInvalid("Name the risk categories the content falls under.",
                                detail={"risk_codes": ["Required."]})
        unknown = sorted(set(codes) - set(RiskCategory.objects.values_list("code", flat=True)))
        if unknown:
            raise ReviewInvalid(f"Unknown risk codes: {', '.join(unknown)}.",
                                detail={"risk_codes": unknown})
    elif codes:
        raise ReviewInvalid("Risk codes go with the illegal-content verdict only.")
    return note, codes


@transaction.atomic(durable=True)
def sample_check_record(*, reviewer: AbstractBaseUser, check_id: int, verdict: str,
                        note: str = "", risk_codes: list | None = None) -> SampleCheck:
    """Record a verdict on a sampled label. The last verdict of a sample decides its batch.

    :raises ReviewConflict: if the check already has a verdict or another reviewer holds it.
    """
    found = SampleCheck.objects.filter(pk=check_id).values_list("sample__batch_id",
                                                                 flat=True).first()
    if found is None:
        raise NotAReviewer("No such check among yours.")
    # The batch lock orders verdicts of one sample, so that the last one decides once.
    batch = batch_lock(found)
    check = SampleCheck.objects.select_for_update(of=("self",)).select_related("sample") \
        .get(pk=check_id)
    task = task_for_review(batch.task_id)
    check_reviewer(user=reviewer, task=task)
    if check.verdict:
        raise ReviewConflict(f"This label was already checked ({check.verdict}).")
    if check.reviewer_id not in (None, reviewer.pk) and check.claimed_at and \
            check.claimed_at > timezone.now() - timedelta(minutes=CLAIM_MINUTES):
        raise ReviewConflict("Another reviewer is checking this label.")
    if FunctionalLabel.objects.filter(item_id=check.item_id, annotator=reviewer).exists():
        raise NotAReviewer("No such check among yours.")
    note, codes = _valid_verdict(verdict, note, risk_codes or [])
    check.reviewer = reviewer
    check.verdict = verdict
    check.note = note
    check.risk_codes = codes
    check.checked_at = timezone.now()
    check.save(update_fields=["reviewer", "verdict", "note", "risk_codes", "checked_at"])
    record_event(actor=reviewer, action="sample_check.recorded", target=check,
                 data={"sample": check.sample_id, "label": check.label_id,
                       "verdict": verdict, "risk_codes": codes})
    if not SampleCheck.objects.filter(sample_id=check.sample_id, verdict="").exists():
        batch_decide(sample_id=check.sample_id)
    from ..tasks import evaluate_quality

    annotator_id = check.annotator_id
    transaction.on_commit(lambda: evaluate_quality.delay(user_id=annotator_id,
                                                         kind="functional_annotate"))
    return check


def batch_decide(*, sample_id: int) -> BatchDecision:
    """Decide the batch of a fully checked sample, in the caller's transaction: invalidate it
    on any illegal content, send it back when more items are inaccurate than the acceptance
    number allows, otherwise accept it and send only the inaccurate items back."""
    sample = Sample.objects.select_related("batch").get(pk=sample_id)
    batch = batch_lock(sample.batch_id)
    existing = BatchDecision.objects.filter(sample=sample).first()
    if existing is not None:
        return existing
    if batch.state != Batch.State.IN_REVIEW:
        raise ReviewConflict(f"Batch {batch.number} is {batch.state}; it is not in review.")
    checks = list(sample.checks.all())
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
    sources = {item.pk: {"source": item.source, "external_id": item.external_id}
               for item in Item.objects.filter(pk__in=illegal | inaccurate)}
    evidence = {
        "illegal": [{"item": item_id, **sources[item_id],
                     "risk_codes": sorted({code for check in checks if check.item_id == item_id
                                           for code in check.risk_codes})}
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
    if outcome == BatchDecision.Outcome.INVALIDATED:
        batch_transition(actor=None, batch=batch, to=Batch.State.INVALIDATED,
                         data={**numbers, "sources": evidence["illegal"]})
        batch_items_close(batch=batch)
    elif outcome == BatchDecision.Outcome.REWORK:
        batch_transition(actor=None, batch=batch, to=Batch.State.REWORK, data=numbers)
        current = FunctionalLabel.objects.filter(item__batch=batch, superseded_at=None)
        functional_labels_supersede(label_ids=list(current.values_list("pk", flat=True)))
        batch_transition(actor=None, batch=batch, to=Batch.State.ANNOTATING,
                         data={"reason": "re-annotation of the whole batch"})
    else:
        batch_transition(actor=None, batch=batch, to=Batch.State.ACCEPTED, data=numbers)
        wrong = FunctionalLabel.objects.filter(item_id__in=inaccurate, superseded_at=None)
        functional_labels_supersede(label_ids=list(wrong.values_list("pk", flat=True)))
    return decision
