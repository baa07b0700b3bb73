"""Quality figures: each annotator's accuracy on sampled labels (per task) or the rejection
rate of their safety labels, over their policy's window, for the pages, the API and the
evaluation that suspends a credential alike."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from annotation.models import Membership, Task
from annotators.models import CredentialKind
from safety_labels.models import SafetyLabel

from ..models import QualityPolicy, QualitySignal, SampleCheck

VIEW_QUALITY = "review.view_qualitysignal"


def require_quality_reader(*, actor: AbstractBaseUser) -> None:
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


def quality_window_start(*, policy: QualityPolicy | None):
    return timezone.now() - timedelta(days=policy.window_days if policy else 30)


def quality_figures(*, user_id: int | None = None) -> list[QualityFigure]:
    """Everyone's (or one person's) figures: per task for functional annotators, overall
    for safety annotators. One grouped query per kind, whoever reads them: the page, the API
    and the evaluation that suspends a credential."""
    policies = quality_policies()
    functional = policies.get(CredentialKind.FUNCTIONAL_ANNOTATE)
    safety = policies.get(CredentialKind.SAFETY_ANNOTATE)
    checks = SampleCheck.objects.filter(checked_at__gte=quality_window_start(policy=functional)) \
        .exclude(verdict="")
    labels = SafetyLabel.objects.filter(
        submitted_at__gte=quality_window_start(policy=safety),
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


def quality_person_get(*, user_id: int) -> AbstractBaseUser:
    """The person whose quality is read; 404 for an unknown id."""
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


def membership_list_for_person(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    """Every function the person holds or held, with its task."""
    return Membership.objects.filter(user=user).select_related("task").order_by("pk")
