"""Demo review for seed_demo: a functional task whose batches stand in every state, checks
and safety approvals waiting, an escalated safety label, and an annotator suspended by a
quality signal, with its evidence. Everything goes through the services."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from annotation.models import Batch, FunctionalLabel, Task
from annotators.models import CredentialKind
from review.models import QualitySignal, SampleCheck
from review.services import (
    quality_evaluate,
    quality_policy_update,
    safety_approval_next,
    safety_label_approve,
    safety_label_escalate_to_manager,
    safety_label_reject,
    sample_check_next,
    sample_check_record,
)

from .rules import FUNCTIONAL_NAME
from .work import SAFETY_TASK, _join, _task, _texts_functional, label_in_time
from .workforce import _train_and_pass

REVIEW_TASK = "Rank answers on everyday topics"
NEXT_TASK = "Rank answers: next delivery"
GOOD = {"payload": {"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 4,
                    "reason": "A is accurate and on topic."}}
SLOPPY = {"payload": {"ranking": ["Answer C", "Answer B", "Answer A"], "best_quality": 5,
                      "reason": "C reads well."}}


def _label_batch(task: Task, people: list, batch: Batch) -> None:
    """Label every item of one batch, the people taking turns; its last label draws its
    sample at once."""
    turn = 0
    while FunctionalLabel.objects.filter(item__batch=batch, superseded_at=None).count() < \
            batch.items.count():
        person = people[turn % len(people)]
        turn += 1
        if not label_in_time(person, task, SLOPPY if person.username == "annotator.ma"
                             else GOOD):
            break


def _check(reviewer, task: Task, *, limit: int, illegal: bool = False) -> None:
    """Check up to ``limit`` sampled labels, oldest sample first: the sloppy annotator's are
    inaccurate or, with ``illegal``, the first of them contains illegal content."""
    for _ in range(limit):
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)
        if check is None:
            return
        if check.annotator.username != "annotator.ma":
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")
        elif illegal:
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal",
                                risk_codes=["A.2.f"], note="The answer spreads a rumour.")
            illegal = False
        else:
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="inaccurate",
                                note="Ranks the off-topic answer first.")


def seed_review(*, manager: AbstractBaseUser) -> list[str]:
    if Task.objects.filter(name=REVIEW_TASK).exists():
        return ["Review: exists"]
    people = {u.username: u for u in get_user_model().objects.all()}
    chen, ma, sun = people["annotator.chen"], people["annotator.ma"], people["reviewer.sun"]
    if not ma.credentials.exists():
        _train_and_pass(ma, CredentialKind.FUNCTIONAL_ANNOTATE)
    quality_policy_update(actor=manager, kind=CredentialKind.FUNCTIONAL_ANNOTATE,
                          changes={"minimum_checks": 8})
    task = _task(manager, REVIEW_TASK, FUNCTIONAL_NAME, _texts_functional(180)[::-1],
                 batch_size=30)
    for person in (chen, ma):
        _join(manager, task, person, "annotate")
    _join(manager, task, sun, "review")
    batches = list(task.batches.order_by("number"))
    for batch, labellers in zip(batches[:4], ([chen, ma], [chen], [chen, ma], [chen, ma]),
                                strict=True):
        _label_batch(task, labellers, batch)
    # Batch 1 invalidated, batch 2 accepted, batch 3 sent back, batch 4 half checked.
    for batch, illegal in ((batches[0], True), (batches[1], False), (batches[2], False)):
        _check(sun, task, limit=SampleCheck.objects.filter(sample__batch=batch).count(),
               illegal=illegal)
    _check(sun, task, limit=2)
    signal = quality_evaluate(user_id=ma.pk, kind=CredentialKind.FUNCTIONAL_ANNOTATE) or \
        QualitySignal.objects.filter(user=ma).first()
    # Batch 5 labelled and sampled at once; a few labels of the batch sent back made again,
    # ma's failed items by chen.
    _label_batch(task, [chen], batches[4])
    for _ in range(8):
        if not label_in_time(chen, task, GOOD):
            break
    # A draft task: its batches are open.
    _task(manager, NEXT_TASK, FUNCTIONAL_NAME, _texts_functional(40)[1::2], batch_size=20,
          activate=False)

    safety = Task.objects.get(name=SAFETY_TASK)
    decided = 0
    for action in ("approve", "approve", "approve", "reject", "escalate"):
        label = safety_approval_next(reviewer=sun, task_id=safety.pk)
        if label is None:
            break
        if action == "approve":
            safety_label_approve(reviewer=sun, label_id=label.pk)
        elif action == "reject":
            safety_label_reject(reviewer=sun, label_id=label.pk,
                                comment="The phone number is personal information (A.4.d).")
        else:
            safety_label_escalate_to_manager(reviewer=sun, label_id=label.pk,
                                             comment="Unsure whether this is A.2.e or none.")
        decided += 1
    states = sorted(set(Batch.objects.filter(task__name__in=[REVIEW_TASK, NEXT_TASK])
                        .values_list("state", flat=True)))
    return [f"Review: {REVIEW_TASK!r} and {NEXT_TASK!r} with batches {', '.join(states)}, "
            f"sample checks waiting; {decided} safety labels decided (one escalated), the "
            "rest waiting for approval; annotator.ma "
            + ("suspended by a quality signal" if signal else "not suspended")]
