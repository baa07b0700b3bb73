"""Reads of the rules app."""

from django.db.models import QuerySet

from .models import RiskCategory, RiskGroup


def risk_category_list() -> QuerySet[RiskCategory]:
    """Return the 31 categories in the standard's order, each with its group."""
    return RiskCategory.objects.select_related("group").order_by("position")


def risk_group_list_with_categories() -> QuerySet[RiskGroup]:
    return RiskGroup.objects.prefetch_related("categories").order_by("position")
