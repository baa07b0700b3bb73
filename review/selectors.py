"""Reads of the review app. Samples, checks and decisions are open to managers and to the
task's reviewers; quality figures and exports to managers."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from annotation.models import Batch, FunctionalLabel, Item, Lease, Membership, Task
from annotation.pseudonyms import pseudonym, task_pseudonym
from annotation.selectors import can_manage_tasks, membership_function, task_get_for_actor
from annotation.services.work import LIVE_OR_DONE
from annotators.models import CredentialKind
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.selectors import verdict_risks

from .models import BatchDecision, ExportJob, QualityPolicy, QualitySignal, Sample, SampleCheck

VIEW_QUALITY = "review.view_qualitysignal"


def task_get_for_review_reader(*, actor: AbstractBaseUser, task_id: int) -> Task:
    """The task, for a manager or one of its reviewers; 404 for anyone else."""
    task = task_get_for_actor(actor=actor, task_id=task_id)
    if not can_manage_tasks(actor) and \
            membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such task among those you review.")
    return task


def tasks_reviewed_by(*, actor: AbstractBaseUser) -> QuerySet[Task]:
    return Task.objects.filter(memberships__user=actor, memberships__ended_at=None,
                               memberships__function=Membership.Function.REVIEW) \
        .select_related("rule_version__rule_set").order_by("name")


def waiting_checks() -> QuerySet[SampleCheck]:
    """Checks that wait for a verdict: of a sample in review, or of a label made again in a
    batch being corrected."""
    return SampleCheck.objects.filter(verdict="").filter(
        Q(recheck=False, sample__batch__state=Batch.State.IN_REVIEW)
        | Q(recheck=True, sample__batch__state=Batch.State.CORRECTING))


def review_queue_counts(*, actor: AbstractBaseUser, tasks: list[Task]) -> dict[int, int]:
    """Open work for the reviewer per task: checks waiting, or safety labels awaiting their
    decision. One grouped query per database."""
    functional = [task.pk for task in tasks if not task.is_safety]
    safety = [task.pk for task in tasks if task.is_safety]
    counts = dict(waiting_checks().filter(sample__batch__task_id__in=functional)
                  .values_list("sample__batch__task_id").annotate(n=Count("pk")))
    decided = SafetyApproval.objects.filter(label=OuterRef("pk"), reviewer_id=actor.pk,
                                            withdrawn_at=None) \
        .exclude(adjudication=False, decision=SafetyApproval.Decision.ESCALATE)
    counts.update(SafetyLabel.objects.filter(task_id__in=safety,
                                             status=SafetyLabel.Status.SUBMITTED)
                  .exclude(annotator_id=actor.pk).exclude(Exists(decided))
                  .values_list("task_id").annotate(n=Count("pk")))
    return counts


def sample_list_for_task(*, task: Task) -> QuerySet[Sample]:
    return (Sample.objects.filter(batch__task=task).select_related("batch")
            .annotate(checks_total=Count("checks"),
                      checks_done=Count("checks", filter=~Q(checks__verdict="")))
            .order_by("-drawn_at", "-pk"))


def strata_pseudonymous(sample: Sample) -> dict:
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


def safety_label_get_for_reviewer(*, actor: AbstractBaseUser, label_id: int) -> SafetyLabel:
    """A safety label of a task the actor reviews; 404 otherwise."""
    task_id = SafetyLabel.objects.filter(pk=label_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise Http404("No such label among those you review.")
    task = task_get_for_actor(actor=actor, task_id=task_id)
    if membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such label among those you review.")
    return SafetyLabel.objects.get(pk=label_id)


def sample_check_get_for_reviewer(*, actor: AbstractBaseUser, check_id: int) -> SampleCheck:
    """A sampled label of a task the actor reviews; 404 otherwise."""
    check = SampleCheck.objects.select_related("sample__batch").filter(pk=check_id).first()
    if check is None:
        raise Http404("No such check among yours.")
    task = task_get_for_actor(actor=actor, task_id=check.sample.batch.task_id)
    if membership_function(actor=actor, task=task) != Membership.Function.REVIEW:
        raise Http404("No such check among yours.")
    return check


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


def check_risk_codes(checks) -> dict[int, list[str]]:
    """The risk codes each of these checks' verdicts named, read from the safety database in
    one query."""
    codes = verdict_risks(check.risks_id for check in checks)
    return {check.pk: codes.get(check.risks_id, []) for check in checks}


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
    by_risks = verdict_risks(check.risks_id for check in checks.values())
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


def escalated_labels() -> QuerySet[SafetyLabel]:
    return SafetyLabel.objects.filter(status=SafetyLabel.Status.ESCALATED) \
        .prefetch_related("approvals").order_by("submitted_at", "pk")


def require_quality_reader(actor: AbstractBaseUser) -> None:
    if not actor.has_perm(VIEW_QUALITY):
        raise Http404("No such page.")


@dataclass(frozen=True)
class QualityFigure:
    """One person's quality figure for an annotating credential over its policy's window:
    accuracy on sampled labels in one task (against the policy's threshold, or else the
    task's rule version's target accuracy), or the share of their decided safety labels
    that reviewers rejected."""

    user_id: int
    kind: CredentialKind
    measure: str
    count: int
    checks: int
    policy: QualityPolicy | None
    task: Task | None = None

    @property
    def value(self) -> Decimal:
        return Decimal(self.count) / self.checks

    @property
    def threshold(self) -> Decimal | None:
        if self.policy is not None and self.policy.threshold is not None:
            return self.policy.threshold
        return self.task.rule_version.target_accuracy if self.task is not None else None

    @property
    def fails(self) -> bool:
        if self.policy is None or not self.policy.enabled or self.threshold is None or \
                self.checks < self.policy.minimum_checks:
            return False
        if self.measure == "accuracy":
            return self.value < self.threshold
        return self.value > self.threshold


def quality_policies() -> dict[str, QualityPolicy]:
    return {policy.kind: policy for policy in QualityPolicy.objects.order_by("kind")}


def quality_window_start(policy: QualityPolicy | None):
    return timezone.now() - timedelta(days=policy.window_days if policy else 30)


def quality_figures(*, user_id: int | None = None) -> list[QualityFigure]:
    """Everyone's (or one person's) figures: per task for functional annotators, overall
    for safety annotators. One grouped query per kind, whoever reads them: the page, the API
    and the evaluation that suspends a credential."""
    policies = quality_policies()
    functional = policies.get(CredentialKind.FUNCTIONAL_ANNOTATE)
    safety = policies.get(CredentialKind.SAFETY_ANNOTATE)
    checks = SampleCheck.objects.filter(checked_at__gte=quality_window_start(functional)) \
        .exclude(verdict="")
    labels = SafetyLabel.objects.filter(
        submitted_at__gte=quality_window_start(safety),
        status__in=[SafetyLabel.Status.APPROVED, SafetyLabel.Status.REJECTED])
    if user_id is not None:
        checks, labels = checks.filter(annotator_id=user_id), labels.filter(annotator_id=user_id)
    rows = list(checks.values("annotator_id", "sample__batch__task_id").annotate(
        total=Count("pk"), good=Count("pk", filter=Q(verdict="accurate"))))
    tasks = Task.objects.select_related("rule_version").in_bulk(
        {row["sample__batch__task_id"] for row in rows})
    figures = [QualityFigure(user_id=row["annotator_id"],
                             kind=CredentialKind.FUNCTIONAL_ANNOTATE, measure="accuracy",
                             count=row["good"], checks=row["total"], policy=functional,
                             task=tasks[row["sample__batch__task_id"]]) for row in rows]
    figures += [QualityFigure(user_id=row["annotator_id"], kind=CredentialKind.SAFETY_ANNOTATE,
                              measure="rejection_rate", count=row["bad"], checks=row["total"],
                              policy=safety)
                for row in labels.values("annotator_id").annotate(
                    total=Count("pk"), bad=Count("pk", filter=Q(status="rejected")))]
    return figures


def quality_overview() -> list[dict]:
    """Everyone with reviewed work and their figures, for the quality page and API."""
    figures = quality_figures()
    people = get_user_model().objects.in_bulk({figure.user_id for figure in figures})
    rows = [{"user": people[figure.user_id], "figure": figure}
            for figure in figures if figure.user_id in people]
    return sorted(rows, key=lambda row: (row["user"].username, row["figure"].kind,
                                         row["figure"].task.name if row["figure"].task else ""))


def accuracy_by_week(*, user_id: int, weeks: int = 12) -> list[dict]:
    """The person's accuracy on sampled labels, week by week, oldest first."""
    since = timezone.now() - timedelta(weeks=weeks)
    counts: dict = defaultdict(lambda: [0, 0])
    for checked_at, verdict in SampleCheck.objects.filter(
            annotator_id=user_id, checked_at__gte=since).exclude(verdict="") \
            .values_list("checked_at", "verdict"):
        week = timezone.localdate(checked_at)
        week -= timedelta(days=week.weekday())
        counts[week][0] += verdict == SampleCheck.Verdict.ACCURATE
        counts[week][1] += 1
    return [{"week": week, "accurate": good, "checked": total, "accuracy": good / total}
            for week, (good, total) in sorted(counts.items())]


def signal_list(*, user_id: int | None = None) -> QuerySet[QualitySignal]:
    signals = QualitySignal.objects.select_related("user").order_by("-created_at", "-pk")
    return signals.filter(user_id=user_id) if user_id is not None else signals


def export_list_for_task(*, task: Task) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(task=task).select_related("created_by") \
        .order_by("-created_at", "-pk")


def export_get_for_actor(*, actor: AbstractBaseUser, job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("task").filter(pk=job_id).first()
    if job is None or not actor.has_perm("review.export_labels"):
        raise Http404("No such export.")
    return job


def require_withdrawal_reader(actor: AbstractBaseUser) -> None:
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
