"""Walk every URL pattern as an anonymous user and as a plain annotator.

A URL that is neither public nor open to annotators must answer with a login redirect, 401,
403, 404 or 405: never with data. New URLs are covered as soon as they are added; one meant to
be open must be named in the allow-lists below, on purpose.
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

pytestmark = pytest.mark.django_db

SAMPLE_FOR_CONVERTER = {"int": "1", "str": "A.1.a", "slug": "sample", "path": "sample",
                        "uuid": str(uuid.UUID(int=1))}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")

# Open to anyone, by name.
PUBLIC = {"login", "health", "admin:login", "api:auth-token"}
# Open to every logged-in worker, by name (managers' pages are not here).
ANNOTATOR_MAY_READ = PUBLIC | {
    "home", "logout", "admin:logout", "annotation:home", "review:home", "rules:risk-category-list",
    "api:rules:risk-category-list", "api:rules:risk-category-detail", "api-schema", "api-docs",
}
DENIED = {401, 403, 404, 405}


def concrete(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub(
            lambda m: SAMPLE_FOR_CONVERTER.get(m["converter"] or "str", "1"), str(pattern))
    text = REGEX_GROUP.sub("1", pattern.regex.pattern)
    return text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "").replace("?", "")


def every_url(resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from every_url(entry, prefix + concrete(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield "/" + prefix + concrete(entry.pattern), name


def refused(response) -> bool:
    if response.status_code in DENIED:
        return True
    return response.status_code == 302 and "login" in response["Location"]


ALL_URLS = sorted(set(every_url()))


def test_the_walk_finds_the_projects_urls():
    names = {name for _, name in ALL_URLS}

    assert {"home", "compliance:home", "api:rules:risk-category-list", "admin:index"} <= names
    assert len(ALL_URLS) > 30


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_get_nothing(client, method):
    client.raise_request_exception = False
    leaks = []
    for url, name in ALL_URLS:
        if name in PUBLIC:
            continue
        response = getattr(client, method)(url)
        if not refused(response):
            leaks.append(f"{method.upper()} {url} ({name or 'unnamed'}): {response.status_code}")

    assert leaks == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_annotators_get_nothing_meant_for_managers(client, annotator, method):
    client.force_login(annotator)
    client.raise_request_exception = False
    leaks = []
    for url, name in ALL_URLS:
        if name in ANNOTATOR_MAY_READ:
            continue
        response = getattr(client, method)(url)
        if not refused(response):
            leaks.append(f"{method.upper()} {url} ({name or 'unnamed'}): {response.status_code}")

    assert leaks == []


def test_the_net_catches_an_open_manager_page(client, annotator, monkeypatch):
    client.force_login(annotator)

    monkeypatch.setattr("annotators.permissions.user_is_manager", lambda user: True)
    response = client.get("/manage/")

    assert not refused(response)
