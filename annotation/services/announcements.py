"""Telling task members about a new version of the rules their tasks use."""

from datetime import timedelta

from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import enqueue
from rules.models import RuleVersion

from ..models import Membership, RuleAnnouncement

# Versions published this long ago or less are announced by the sweep if nobody was told.
ANNOUNCE_WITHIN_DAYS = 7


def rule_version_announce(*, version_id: int, rule_set_id: int) -> int:
    """Mail every member of a task under the rule set, once per version; return how many
    were told (0 when they were already). A failure to send leaves the version unannounced
    for the sweep to try again."""
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
    try:
        with transaction.atomic():
            # The row is the claim: a second sender waits on it, then finds it taken.
            RuleAnnouncement.objects.create(version=version, sent_at=timezone.now(),
                                            recipients=len(messages))
            if messages:
                send_mass_mail(messages)
    except IntegrityError:
        return 0
    return len(messages)


def rule_versions_announce_due() -> list[int]:
    """Announce again the versions published lately whose announcement was lost (the broker
    was out of reach, or the mail server refused): for the periodic sweep."""
    due = list(RuleVersion.objects.filter(
        status=RuleVersion.Status.PUBLISHED,
        published_at__gte=timezone.now() - timedelta(days=ANNOUNCE_WITHIN_DAYS))
        .exclude(pk__in=RuleAnnouncement.objects.values("version_id"))
        .values_list("pk", "rule_set_id"))
    for version_id, rule_set_id in due:
        enqueue("annotation.tasks.notify_new_rule_version", version_id=version_id,
                rule_set_id=rule_set_id)
    return [version_id for version_id, _ in due]
