"""Reviewers check sampled labels; once a sample is fully checked its batch is decided (see
``decisions``), and a check of a label made again settles its batch (see ``corrections``).

Illegal and unhealthy content is the 29 risks of A.1 to A.4 of Appendix A; A.5 (inaccurate or
unreliable content) is not illegal, and a verdict naming only A.5 counts as inaccurate. The
risk codes a verdict names are kept in the safety database, committed before the verdict.
"""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotation.models import FunctionalLabel
from annotation.services.rework import batch_lock
from annotators.models import CredentialKind
from audit.services import record_event
from config.celery import enqueue_on_commit
from config.errors import Conflict, Invalid
from rules.models import RiskCategory
from safety_labels.services import verdict_risks_record

from ..models import SampleCheck
from ..selectors import waiting_checks
from .common import NotAReviewer, check_reviewer, task_for_review
from .corrections import batch_after_recheck
from .decisions import BatchNotInReview, batch_decide
from .locks import sample_check_qs_select_for_update

# A check claimed but not answered for this long goes back to the queue.
CLAIM_MINUTES = 30
MAX_NOTE = 5000
ILLEGAL_GROUPS = ("A.1.", "A.2.", "A.3.", "A.4.")


class VerdictInvalid(Invalid):
    code = "verdict_invalid"


class CheckAlreadyRecorded(Conflict):
    code = "check_already_recorded"


class CheckClaimedByAnother(Conflict):
    code = "check_claimed_by_another"


def illegal_codes(*, codes: list[str]) -> list[str]:
    """The codes among ``codes`` that name illegal or unhealthy content (A.1 to A.4)."""
    return [code for code in codes if code.startswith(ILLEGAL_GROUPS)]


@transaction.atomic(durable=True)
def sample_check_next(*, reviewer: AbstractBaseUser, task_id: int) -> SampleCheck | None:
    """The check the reviewer holds in the task, or claim the next open one: unclaimed, or
    claimed by someone who has not answered it for ``CLAIM_MINUTES``. Never one of an item
    the reviewer labelled. None when nothing is waiting.

    :raises NotAReviewer: if the person does not review the task.
    :raises ReviewCredentialInactive: without an active review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    """
    task = task_for_review(task_id=task_id)
    check_reviewer(user=reviewer, task=task)
    mine = _open_checks(task_id).filter(reviewer=reviewer).order_by("pk").first()
    if mine is not None:
        return mine
    stale = timezone.now() - timedelta(minutes=CLAIM_MINUTES)
    labelled = FunctionalLabel.objects.filter(item_id=OuterRef("item_id"), annotator=reviewer)
    # Lock the check rows only, passing over those being claimed: a claim on one label must
    # not hide the whole sample.
    check = (waiting_checks(checks=sample_check_qs_select_for_update(skip_locked=True))
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


def _open_checks(task_id: int) -> QuerySet[SampleCheck]:
    return (waiting_checks().filter(sample__batch__task_id=task_id)
            .select_related("item", "label", "sample__batch__task__rule_version"))


def valid_verdict(*, verdict: str, note: str, risk_codes: list) -> tuple[str, str, list[str]]:
    """Check a verdict and return it as it is recorded: a verdict of illegal content that
    names only A.5 risks is recorded as inaccurate.

    :raises VerdictInvalid: for an unknown verdict or code, a note too long, a missing note
        or codes, or codes that do not fit the verdict.
    """
    if verdict not in SampleCheck.Verdict.values:
        raise VerdictInvalid(f"A verdict is one of {', '.join(SampleCheck.Verdict.values)}.",
                            detail={"verdict": ["Unknown verdict."]})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise VerdictInvalid(f"The note is at most {MAX_NOTE} characters.",
                            detail={"note": [f"At most {MAX_NOTE} characters."]})
    if not isinstance(risk_codes, list) or not all(isinstance(c, str) for c in risk_codes):
        raise VerdictInvalid("Risk codes are a list such as [\"A.1.a\"].",
                            detail={"risk_codes": ["A list of codes."]})
    codes = sorted(set(risk_codes))
    unknown = sorted(set(codes) - set(RiskCategory.objects.values_list("code", flat=True)))
    if unknown:
        raise VerdictInvalid(f"Unknown risk codes: {', '.join(unknown)}.",
                            detail={"risk_codes": unknown})
    illegal = illegal_codes(codes=codes)
    if verdict == SampleCheck.Verdict.ILLEGAL:
        if not codes:
            raise VerdictInvalid("Name the risk categories the content falls under.",
                                detail={"risk_codes": ["Required."]})
        if not illegal:
            # A.5 is inaccurate or unreliable content, not illegal content.
            verdict = SampleCheck.Verdict.INACCURATE
            note = note or "Inaccurate or unreliable content, not illegal content."
    elif verdict == SampleCheck.Verdict.INACCURATE:
        if illegal:
            raise VerdictInvalid(f"{', '.join(illegal)} name illegal or unhealthy content; "
                                "choose the illegal-content verdict for them.",
                                detail={"risk_codes": illegal})
        if not note:
            raise VerdictInvalid("Say what is wrong with the label.",
                                detail={"note": ["Required."]})
    elif codes:
        raise VerdictInvalid("An accurate label names no risk categories.",
                            detail={"risk_codes": ["Only with an inaccurate or illegal "
                                                   "verdict."]})
    return verdict, note, codes


def sample_check_record(*, reviewer: AbstractBaseUser, check_id: int, verdict: str,
                        note: str = "", risk_codes: list | None = None) -> SampleCheck:
    """Record a verdict on a sampled (or re-done) label. The last verdict of a sample decides
    its batch; a verdict on a re-done label accepts, corrects again or invalidates its batch.
    The risk codes named are committed in the safety database first.

    :raises NotAReviewer: if there is no such check among the reviewer's tasks, or the
        reviewer labelled its item.
    :raises ReviewCredentialInactive: without an active review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    :raises VerdictInvalid: for a verdict that does not fit (see ``valid_verdict``).
    :raises CheckAlreadyRecorded: if the check already has a verdict.
    :raises BatchNotInReview: if its batch takes no verdicts now.
    :raises CheckClaimedByAnother: if another reviewer claimed it less than
        ``CLAIM_MINUTES`` ago.
    """
    found = SampleCheck.objects.filter(pk=check_id).values_list(
        "sample__batch__task_id", "item_id", "verdict").first()
    if found is None:
        raise NotAReviewer("No such check among yours.")
    task_id, item_id, checked = found
    check_reviewer(user=reviewer, task=task_for_review(task_id=task_id))
    if checked:
        raise CheckAlreadyRecorded(f"This label was already checked ({checked}).")
    verdict, note, codes = valid_verdict(verdict=verdict, note=note,
                                         risk_codes=risk_codes or [])
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
    check = sample_check_qs_select_for_update().select_related("sample").get(pk=check_id)
    check_reviewer(user=reviewer, task=task_for_review(task_id=batch.task_id))
    if check.verdict:
        raise CheckAlreadyRecorded(f"This label was already checked ({check.verdict}).")
    if not waiting_checks().filter(pk=check.pk).exists():
        raise BatchNotInReview(f"Batch {batch.number} is {batch.state}; it takes no verdicts.")
    if check.reviewer_id not in (None, reviewer.pk) and check.claimed_at and \
            check.claimed_at > timezone.now() - timedelta(minutes=CLAIM_MINUTES):
        raise CheckClaimedByAnother("Another reviewer is checking this label.")
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
        batch_after_recheck(batch=batch, check=check)
    elif not check.sample.checks.filter(verdict="").exists():
        batch_decide(sample_id=check.sample_id)
    # Sample checks exist in functional tasks only.
    enqueue_on_commit("review.tasks.evaluate_quality", user_id=check.annotator_id,
                      kind=CredentialKind.FUNCTIONAL_ANNOTATE)
    return check
