"""Batches and their decisions: the managers' board, a decision's evidence with the risks
behind it, and batches invalidated after an export carried them out."""

from collections import defaultdict

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, QuerySet
from django.http import Http404

from annotation.models import LIVE_OR_DONE, Batch, FunctionalLabel, Item, Lease, Membership, Task
from annotation.pseudonyms import pseudonym
from annotation.selectors import can_manage_tasks
from safety_labels.models import SafetyLabel
from safety_labels.selectors import verdict_risks

from ..models import BatchDecision, SampleCheck
from .access import task_get_for_review_reader
from .samples import sample_list_for_task


def batch_get_for_review_reader(*, actor: AbstractBaseUser, batch_id: int) -> Batch:
    """The batch, for a manager or a reviewer of its task; 404 for anyone else."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404("No such batch.")
    task_get_for_review_reader(actor=actor, task_id=batch.task_id)
    return batch


def batch_board(*, task: Task, batches=None) -> list[dict]:
    """Each batch (of ``batches``, or all of the task's) with its state, round, the progress
    of its latest sample, its latest decision with its accuracy against the rule version's
    target, its re-done labels waiting for a check, and the items that wait for an annotator
    other than the one whose label failed."""
    if batches is None:
        batches = Batch.objects.filter(task=task).order_by("number")
    batches = list(batches.annotate(items_total=Count("items")))
    ids = [batch.pk for batch in batches]
    samples = {}
    for sample in sample_list_for_task(task=task).filter(batch_id__in=ids) \
            .order_by("drawn_at", "pk"):
        samples[sample.batch_id] = sample
    decisions = {}
    for decision in BatchDecision.objects.filter(batch_id__in=ids).order_by("decided_at", "pk"):
        decisions[decision.batch_id] = decision
    rechecks = dict(SampleCheck.objects.filter(sample__batch_id__in=ids, recheck=True,
                                               verdict="")
                    .values_list("sample__batch_id").annotate(n=Count("pk")))
    stuck = waiting_for_another_annotator(task=task, batch_ids=ids)
    unfinished = set(Item.objects.filter(batch_id__in=ids,
                                         labels_done__lt=task.labels_per_item)
                     .values_list("batch_id", flat=True).distinct())
    unfinished |= set(Lease.objects.filter(item__batch_id__in=ids, state=Lease.State.ACTIVE)
                      .values_list("item__batch_id", flat=True).distinct())
    target = task.rule_version.target_accuracy
    rows = []
    for batch in batches:
        decision = decisions.get(batch.pk)
        accuracy = decision.accuracy if decision else None
        sample = samples.get(batch.pk)
        waiting_draw = batch.state == Batch.State.SUBMITTED and \
            (sample is None or sample.round != batch.round)
        complete = batch.state == Batch.State.ANNOTATING and batch.pk not in unfinished
        drawable = not task.is_safety and batch.items_total and (waiting_draw or complete)
        rows.append({"batch": batch, "sample": sample, "decision": decision,
                     "drawable": bool(drawable),
                     "accuracy": accuracy, "target": target,
                     "below_target": accuracy is not None and target is not None
                     and accuracy < target,
                     "rechecks_waiting": rechecks.get(batch.pk, 0),
                     "waiting_for_annotator": stuck.get(batch.pk, 0)})
    return rows


def waiting_for_another_annotator(*, task: Task, batch_ids: list[int]) -> dict[int, int]:
    """Per batch, the items that need a label but that no current annotator of the task may
    take: everyone eligible has labelled, skipped or failed on them. Re-annotation goes to
    somebody other than the annotator whose label failed; until one joins, these wait."""
    annotators = set(Membership.objects.filter(
        task=task, function=Membership.Function.ANNOTATE, ended_at=None)
        .values_list("user_id", flat=True))
    open_items = dict(Item.objects.filter(batch_id__in=batch_ids, open_slots__gt=0)
                      .values_list("pk", "batch_id"))
    had: dict[int, set[int]] = defaultdict(set)
    for item_id, user_id in Lease.objects.filter(
            item_id__in=list(open_items), state__in=LIVE_OR_DONE) \
            .values_list("item_id", "user_id"):
        had[item_id].add(user_id)
    waiting: dict[int, int] = defaultdict(int)
    for item_id, batch_id in open_items.items():
        if not annotators - had[item_id]:
            waiting[batch_id] += 1
    return dict(waiting)


def decisions_risk_codes(*, decisions) -> dict[int, dict[int, list[str]]]:
    """Per decision, the risk codes behind each of its illegal items: those the reviewers
    named, or those of the safety label that judged the same content illegal. One query per
    database for all the decisions."""
    decisions = list(decisions)
    check_ids = {check for decision in decisions
                 for row in decision.evidence.get("illegal", []) for check in row.get("checks", [])}
    check_ids |= {check for decision in decisions for check in decision.evidence.get("checks", [])}
    checks = {check.pk: check for check in SampleCheck.objects.filter(pk__in=check_ids)
              .only("pk", "item_id", "risks_id")}
    by_risks = verdict_risks(risks_ids=[check.risks_id for check in checks.values()])
    label_ids = {decision.evidence.get("safety_label") for decision in decisions
                 if decision.cause == BatchDecision.Cause.SAFETY_LABEL}
    label_codes = dict(SafetyLabel.objects.filter(pk__in=label_ids - {None})
                       .values_list("pk", "risk_codes")) if label_ids else {}
    result: dict[int, dict[int, list[str]]] = {}
    for decision in decisions:
        illegal = decision.evidence.get("illegal", [])
        if decision.cause == BatchDecision.Cause.SAFETY_LABEL:
            codes = label_codes.get(decision.evidence.get("safety_label"), [])
            result[decision.pk] = {row["item"]: codes for row in illegal}
            continue
        named: dict[int, set[str]] = defaultdict(set)
        for check_id in [check for row in illegal for check in row.get("checks", [])] + \
                decision.evidence.get("checks", []):
            check = checks.get(check_id)
            if check is not None:
                named[check.item_id].update(by_risks.get(check.risks_id, []))
        result[decision.pk] = {item: sorted(codes) for item, codes in named.items()}
    return result


def decision_risk_codes(*, decision: BatchDecision) -> dict[int, list[str]]:
    return decisions_risk_codes(decisions=[decision])[decision.pk]


def decision_list_for_task(*, task: Task) -> QuerySet[BatchDecision]:
    return BatchDecision.objects.filter(batch__task=task).select_related("batch", "sample") \
        .order_by("-decided_at", "-pk")


def decision_get_for_actor(*, actor: AbstractBaseUser, decision_id: int) -> BatchDecision:
    decision = BatchDecision.objects.select_related("batch__task", "sample") \
        .filter(pk=decision_id).first()
    if decision is None:
        raise Http404("No such decision.")
    task_get_for_review_reader(actor=actor, task_id=decision.batch.task_id)
    return decision


def decision_failed_checks(*, decision: BatchDecision) -> list[SampleCheck]:
    """The checks of the decision's sample that did not find the label accurate, with their
    items, by item; none for a decision taken without a sample."""
    if decision.sample is None:
        return []
    return list(decision.sample.checks.exclude(verdict=SampleCheck.Verdict.ACCURATE)
                .select_related("item").order_by("item_id"))


def require_withdrawal_reader(*, actor: AbstractBaseUser) -> None:
    if not can_manage_tasks(actor):
        raise Http404("No such page.")


def withdrawal_list() -> QuerySet[BatchDecision]:
    """Batches invalidated after an export carried them out, newest first."""
    return BatchDecision.objects.filter(exported_before=True) \
        .select_related("batch__task", "sample").order_by("-decided_at", "-pk")


def withdrawal_get(*, decision_id: int) -> BatchDecision:
    decision = withdrawal_list().filter(pk=decision_id).first()
    if decision is None:
        raise Http404("No such withdrawal.")
    return decision


def withdrawal_labels(*, decision: BatchDecision) -> list[FunctionalLabel]:
    """The labels an export carried out of the invalidated batch: its current labels (an
    accepted batch's labels change no more), each named by the pseudonym the export used."""
    labels = list(FunctionalLabel.objects.filter(item__batch=decision.batch, superseded_at=None)
                  .select_related("item__batch").order_by("pk"))
    for label in labels:
        label.pseudonym = pseudonym(label.annotator_id)
    return labels
