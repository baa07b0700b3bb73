from django import template

from annotators.models import Ability

register = template.Library()


@register.filter
def ability_label(value: str) -> str:
    """The label of an ability code, e.g. "Identifying safety risks"."""
    return dict(Ability.choices).get(value, value)
