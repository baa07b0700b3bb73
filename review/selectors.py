"""Reads of the review app. Samples, checks and decisions are open to managers and to the
task's reviewers; quality figures and exports to managers."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from annotation.models import Batch, Membership, Task
from annotation.selectors import can_manage_tasks, membership_function, task_get_for_actor
from annotators.models import CredentialKind
from safety_labels.models import SafetyApproval, SafetyLabel

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
    return Task.objects.filter(memberships__user=actor,
                               memberships__function=Membership.Function.REVIEW) \
        .select_related("rule_version__rule_set").order_by("name")


def review_queue_counts(*, actor: AbstractBaseUser, tasks: list[Task]) -> dict[int, int]:
    """Open work for the reviewer per task: checks waiting, or safety labels awaiting their
    decision. One grouped query per database."""
    functional = [task.pk for task in tasks if not task.is_safety]
    safety = [task.pk for task in tasks if task.is_safety]
    counts = dict(SampleCheck.objects.filter(
        sample__batch__task_id__in=functional, verdict="",
        sample__batch__state=Batch.State.IN_REVIEW)
        .values_list("sample__batch__task_id").annotate(n=Count("pk")))
    decided = SafetyApproval.objects.filter(label=OuterRef("pk"), reviewer_id=actor.pk)
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


def batch_board(*, task: Task) -> list[dict]:
    """Each batch with its state, round, the progress of its latest sample and its latest
    decision."""
    batches = list(Batch.objects.filter(task=task).order_by("number")
                   .annotate(items_total=Count("items")))
    samples = {}
    for sample in sample_list_for_task(task=task).order_by("drawn_at", "pk"):
        samples[sample.batch_id] = sample
    decisions = {}
    for decision in BatchDecision.objects.filter(batch__task=task).order_by("decided_at", "pk"):
        decisions[decision.batch_id] = decision
    return [{"batch": batch, "sample": samples.get(batch.pk),
             "decision": decisions.get(batch.pk)} for batch in batches]


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


def quality_overview() -> list[dict]:
    """Everyone with reviewed work, with their figure per annotating credential kind over
    the kind's policy window: one grouped query per kind."""
    policies = {policy.kind: policy for policy in QualityPolicy.objects.all()}
    now = timezone.now()

    def since(kind: str):
        policy = policies.get(kind)
        return now - timedelta(days=policy.window_days if policy else 30)

    figures = []
    for row in (SampleCheck.objects.filter(
            checked_at__gte=since(CredentialKind.FUNCTIONAL_ANNOTATE)).exclude(verdict="")
            .values("annotator_id").annotate(
                total=Count("pk"), good=Count("pk", filter=Q(verdict="accurate")))):
        figures.append((row["annotator_id"], CredentialKind.FUNCTIONAL_ANNOTATE, "accuracy",
                        row["good"], row["total"]))
    for row in (SafetyLabel.objects.filter(
            submitted_at__gte=since(CredentialKind.SAFETY_ANNOTATE),
            status__in=[SafetyLabel.Status.APPROVED, SafetyLabel.Status.REJECTED])
            .values("annotator_id").annotate(
                total=Count("pk"), bad=Count("pk", filter=Q(status="rejected")))):
        figures.append((row["annotator_id"], CredentialKind.SAFETY_ANNOTATE, "rejection_rate",
                        row["bad"], row["total"]))
    people = get_user_model().objects.in_bulk({user_id for user_id, *_ in figures})
    rows = [{"user": people[user_id], "kind": CredentialKind(kind), "measure": measure_name,
             "value": Decimal(count) / total, "checks": total, "policy": policies.get(kind)}
            for user_id, kind, measure_name, count, total in figures if user_id in people]
    return sorted(rows, key=lambda row: (row["user"].username, row["kind"]))


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
