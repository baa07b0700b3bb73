import pytest
from django.db import connections
from playwright.sync_api import Page


@pytest.fixture(scope="session", autouse=True)
def _serialized_database_survives_playwright(request, django_db_setup):
    """Carry the database snapshot that transactional tests restore over to Playwright's context.

    Playwright's sync API runs tests inside a greenlet with its own context, so Django hands
    out new connection objects there, without the snapshot taken when the test databases were
    created; without it, data from migrations (groups, risk categories) would not come back
    after a transactional test empties the tables.
    """
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None)
                 for alias in connections}
    request.getfixturevalue("playwright")
    for alias, snapshot in snapshots.items():
        if snapshot is not None:
            connections[alias]._test_serialized_contents = snapshot


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """What the browser's console reports the Content Security Policy blocked on the page."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen
