"""A deployment check: demo accounts have known passwords and must not reach a real one."""

from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError

from config.checks import answers_to_other_hosts

from .management.commands.seed_demo import PEOPLE


@checks.register(checks.Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not answers_to_other_hosts():
        return []
    try:
        present = sorted(get_user_model().objects.filter(
            username__in=[username for username, _, _ in PEOPLE], is_active=True)
            .values_list("username", flat=True))
    except DatabaseError:
        return []       # not migrated yet: nothing to warn of
    if not present:
        return []
    return [checks.Warning(
        f"Demo accounts with the published demo password can sign in: {', '.join(present)}. "
        "This deployment answers to other hosts than this machine.",
        hint="Deactivate or delete them (a superuser can, in the admin's Users), or load no "
             "demo data in a real deployment.",
        id="awm.W003")]
