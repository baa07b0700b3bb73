"""Telling task members about a new version of the rules their tasks use."""

from django.core.mail import send_mass_mail
from django.urls import reverse

from rules.models import RuleVersion

from ..models import Membership


def rule_version_announce(*, version_id: int, rule_set_id: int) -> int:
    """Mail every member of a task under the rule set; return how many were told."""
    version = RuleVersion.objects.select_related("rule_set").get(pk=version_id)
    seen, messages = set(), []
    rows = Membership.objects.filter(task__rule_version__rule_set_id=rule_set_id, ended_at=None) \
        .select_related("user").order_by("user_id")
    for membership in rows:
        user = membership.user
        if user.pk in seen or not user.email:
            continue
        seen.add(user.pk)
        link = reverse("rules:rule-version-detail", args=[version.pk])
        messages.append((
            f"New rules: {version.rule_set.name} v{version.number}",
            f"Hello {user.get_username()},\n\nVersion {version.number} of "
            f"{version.rule_set.name} is published. Read it and acknowledge it at {link}; "
            "tasks moved to it will ask for your acknowledgement before your next item.\n",
            None, [user.email]))
    if messages:
        send_mass_mail(messages, fail_silently=True)
    return len(messages)
