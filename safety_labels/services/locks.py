"""Row locks of the segregated store, one helper per model.

Each locks only the rows of its own table (``of=("self",)``), and in primary-key order, so
that two transactions that lock several rows take them in the same order and never
deadlock."""

from django.db.models import QuerySet

from ..models import SafetyApproval, SafetyLabel


def safety_label_qs_select_for_update() -> QuerySet[SafetyLabel]:
    return SafetyLabel.objects.select_for_update(of=("self",)).order_by("pk")


def safety_approval_qs_select_for_update() -> QuerySet[SafetyApproval]:
    return SafetyApproval.objects.select_for_update(of=("self",)).order_by("pk")
