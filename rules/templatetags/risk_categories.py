"""Template helpers for pages that show the 31 risk categories with a version's rules."""

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def dict_get(mapping: Mapping | None, key: Any) -> Any:
    """Look ``key`` up in ``mapping``; empty text when either is missing.

    Templates cannot index a dict by a variable; without this, a page would loop over the
    whole dict for every row it shows.
    """
    if not mapping:
        return ""
    return mapping.get(key, "")
