"""Checks of a deployment, run by ``manage.py check --deploy``: each warns of a setting that
is fine on a developer's machine and unsafe on one that answers to other hosts."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


def answers_to_other_hosts() -> bool:
    """Whether the deployment serves any host beyond this machine."""
    return not set(settings.ALLOWED_HOSTS) <= settings.LOOPBACK_HOSTS


def credentials_shared(databases: dict) -> bool:
    """Whether the main and the safety database are reached with the same user and password
    (files on this machine have none)."""
    main, safety = databases["default"], databases["safety"]
    if main["ENGINE"].endswith("sqlite3") or safety["ENGINE"].endswith("sqlite3"):
        return False
    return (main.get("USER"), main.get("PASSWORD")) == \
        (safety.get("USER"), safety.get("PASSWORD"))


@checks.register(checks.Tags.security, deploy=True)
def check_database_credentials(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not credentials_shared(settings.DATABASES):
        return []
    return [checks.Warning(
        "DATABASE_URL and SAFETY_DATABASE_URL sign in with the same user and password: "
        "whoever holds the main database's credentials can read the safety labels too.",
        hint="Give the safety database a role of its own, with rights on that database only.",
        id="awm.W001")]


@checks.register(checks.Tags.security, deploy=True)
def check_broker_password(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    url = urlsplit(settings.CELERY_BROKER_URL)
    if url.scheme not in {"redis", "rediss", "amqp", "amqps"} or url.password:
        return []
    if (url.hostname or "127.0.0.1") in settings.LOOPBACK_HOSTS:
        return []
    return [checks.Warning(
        f"The broker at {url.hostname} is reached without a password: anyone who can reach "
        "it can read the jobs' messages and start jobs.",
        hint="Set a password on the broker and put it in CELERY_BROKER_URL "
             "(redis://:password@host:6379/0), or keep the broker on this machine.",
        id="awm.W002")]
