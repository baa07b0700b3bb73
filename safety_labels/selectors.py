"""Reads of the segregated store, by the ids the main database knows."""

from datetime import datetime

from django.db.models import Count, F, Q, QuerySet

from .models import COUNTED_APPROVAL, SafetyApproval, SafetyLabel, VerdictRisk


def safety_labels_for_leases(lease_ids: list[int]) -> dict[int, SafetyLabel]:
    return {label.lease_id: label
            for label in SafetyLabel.objects.filter(lease_id__in=lease_ids)}


def safety_label_list_for_tasks(*, task_ids: list[int],
                                annotator_id: int | None = None) -> QuerySet[SafetyLabel]:
    """Safety labels of the given tasks (already resolved against the actor's memberships)."""
    labels = SafetyLabel.objects.filter(task_id__in=task_ids).order_by("-submitted_at")
    return labels.filter(annotator_id=annotator_id) if annotator_id is not None else labels


def verdict_risks(*, risks_ids) -> dict[int, list[str]]:
    """The risk codes of each of these verdict rows (the ids verdicts name), one query."""
    ids = [pk for pk in risks_ids if pk is not None]
    if not ids:
        return {}
    return dict(VerdictRisk.objects.filter(pk__in=ids).values_list("pk", "risk_codes"))


def annotators_decided_since(*, since: datetime) -> set[int]:
    """The annotators whose safety labels a reviewer or manager decided on since ``since``."""
    return set(SafetyApproval.objects.filter(created_at__gte=since)
               .values_list("label__annotator_id", flat=True).distinct())


def counted_approvals() -> QuerySet[SafetyApproval]:
    """The approvals that count towards their label's approval (invariant 5): a reviewer's
    approval, never the label's annotator's, given under a recorded credential and not
    withdrawn since; a manager's ruling never counts. Every count of approvals is taken from
    this query; ``SafetyApproval.counts_for`` says the same of one approval already read."""
    return SafetyApproval.objects.filter(COUNTED_APPROVAL).exclude(
        reviewer_id=F("label__annotator_id"))


def counted_approval_count(*, label_id: int) -> int:
    """How many distinct reviewers' approvals of the label count."""
    return counted_approvals().filter(label_id=label_id).values("reviewer_id").distinct() \
        .count()


def counted_approvals_by_label(*, label_ids: list[int]) -> dict[int, list[SafetyApproval]]:
    """Per label, its approvals that count, one per reviewer (their first); one query."""
    by_label: dict[int, list[SafetyApproval]] = {}
    seen: set[tuple[int, int]] = set()
    for approval in counted_approvals().filter(label_id__in=label_ids).order_by("pk"):
        if (approval.label_id, approval.reviewer_id) not in seen:
            seen.add((approval.label_id, approval.reviewer_id))
            by_label.setdefault(approval.label_id, []).append(approval)
    return by_label


def awaiting_approval(*, task_id: int, required: int) -> QuerySet[SafetyLabel]:
    """Labels of the task that need a reviewer's decision: those submitted, and those once
    approved that no longer have ``required`` counted approvals (the task came to ask for
    more, or an approval was withdrawn)."""
    enough = (counted_approvals().filter(label__task_id=task_id).values("label_id")
              .annotate(reviewers=Count("reviewer_id", distinct=True))
              .filter(reviewers__gte=required).values("label_id"))
    return SafetyLabel.objects.filter(task_id=task_id).filter(
        Q(status=SafetyLabel.Status.SUBMITTED)
        | Q(status=SafetyLabel.Status.APPROVED) & ~Q(pk__in=enough))


def approved_labels(*, task_id: int) -> QuerySet[SafetyLabel]:
    """The task's approved labels: what an export may carry, once each still has the
    approvals its task needs."""
    return SafetyLabel.objects.filter(task_id=task_id, status=SafetyLabel.Status.APPROVED)
