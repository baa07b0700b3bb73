import os
import shutil

import pytest
from django.db import connections

from annotators.models import Role
from annotators.services import person_create

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# CI sets this: a skipped test is then a failed run, so nothing passes by being left out.
REQUIRE_ALL_TESTS = os.environ.get("REQUIRE_ALL_TESTS", "").lower() in {"1", "true", "yes"}
PASSWORD = "a-test-password-9x"

# Fixtures of the workforce (course, exam, policy, a credentialed annotator) for every package.
pytest_plugins = ["tests.workforce", "tests.annotation_setup"]


def _empties_the_database_for_good(item) -> bool:
    """A test that commits (``transaction=True``) leaves the tables emptied for the tests after
    it, groups and risk categories included, unless it restores them (``serialized_rollback``)."""
    marker = item.get_closest_marker("django_db")
    return marker is not None and marker.kwargs.get("transaction") \
        and not marker.kwargs.get("serialized_rollback")


def pytest_collection_modifyitems(config, items):
    emptying = [item.nodeid for item in items if _empties_the_database_for_good(item)]
    if emptying:
        raise pytest.UsageError("Mark these transaction=True tests serialized_rollback=True too: "
                                + ", ".join(emptying))
    on_postgres = connections["default"].vendor == "postgresql"
    has_chromium = os.path.exists(CHROMIUM)
    has_broker = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(
                reason="needs PostgreSQL: set DATABASE_URL and SAFETY_DATABASE_URL to run it"))
        if item.get_closest_marker("browser") and not has_chromium:
            item.add_marker(pytest.mark.skip(
                reason=f"needs Chromium at {CHROMIUM}: apt-get install chromium"))
        if item.get_closest_marker("broker") and not has_broker:
            item.add_marker(pytest.mark.skip(
                reason="needs a Redis broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"))


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if REQUIRE_ALL_TESTS and skipped:
        reporter.write_line(f"REQUIRE_ALL_TESTS is set and {len(skipped)} test(s) were skipped; "
                            "failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_runs_eagerly():
    """Run tasks in the test's process, whatever broker the environment names."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def make_person(username: str, role: Role):
    return person_create(actor=None, username=username, password=PASSWORD, role=role,
                         full_name=username.title())


@pytest.fixture
def manager(db):
    return make_person("mgr.ada", Role.MANAGER)


@pytest.fixture
def annotator(db):
    return make_person("ann.bo", Role.ANNOTATOR)


@pytest.fixture
def reviewer(db):
    return make_person("rev.cy", Role.REVIEWER)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def annotator_client(client, annotator):
    client.force_login(annotator)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client
