"""Reads of the segregated store, by the ids the main database knows."""

from django.db.models import QuerySet

from .models import SafetyApproval, SafetyLabel, VerdictRisk


def safety_labels_for_leases(lease_ids: list[int]) -> dict[int, SafetyLabel]:
    return {label.lease_id: label
            for label in SafetyLabel.objects.filter(lease_id__in=lease_ids)}


def safety_label_list_for_tasks(*, task_ids: list[int],
                                annotator_id: int | None = None) -> QuerySet[SafetyLabel]:
    """Safety labels of the given tasks (already resolved against the actor's memberships)."""
    labels = SafetyLabel.objects.filter(task_id__in=task_ids).order_by("-submitted_at")
    return labels.filter(annotator_id=annotator_id) if annotator_id is not None else labels


def verdict_risks(risks_ids) -> dict[int, list[str]]:
    """The risk codes of each of these verdict rows (the ids verdicts name), one query."""
    ids = [pk for pk in risks_ids if pk is not None]
    if not ids:
        return {}
    return dict(VerdictRisk.objects.filter(pk__in=ids).values_list("pk", "risk_codes"))


def annotators_decided_since(since) -> set[int]:
    """The annotators whose safety labels a reviewer or manager decided on since ``since``."""
    return set(SafetyApproval.objects.filter(created_at__gte=since)
               .values_list("label__annotator_id", flat=True).distinct())
