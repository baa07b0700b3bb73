"""Small filters for showing the report's plain data."""

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def columns(rows: list[dict]) -> list[str]:
    """The columns of an evidence list, in first-seen order, the link last."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return [name for name in seen if name != "link"] + (["link"] if "link" in seen else [])


@register.filter
def humanize_key(name: str) -> str:
    return str(name).replace("_", " ").capitalize()


@register.filter
def display(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return "—" if value in (None, "") else str(value)


@register.filter
def isodate(value: str) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M %Z") if moment else str(value)
