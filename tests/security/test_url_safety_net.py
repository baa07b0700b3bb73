"""Walk every URL pattern, with every method, as an anonymous user and as plain workers.

Path parameters are filled with real objects (a published and a draft rule version), so a
view that forgets its permission check answers with data and is caught. A URL that is neither
public nor open to the user must answer with a login redirect, 401 or 403 (and, for workers,
404 for an object outside their scope, or 405): never with data. New URLs are covered as soon
as they exist; one meant to be open must be named, with its methods, in the lists below.
"""

import re

import pytest
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from annotation.services import lease_next
from annotators.models import Role
from review.models import Sample
from review.services import export_job_create
from rules.services import rule_version_publish
from safety_labels.models import SafetyLabel
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.review_setup import check_all, label_everything, review_task
from tests.rules.conftest import make_functional_draft, make_safety_draft
from tests.workforce import KIND, complete_training, take_exam

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

METHODS = ("get", "post", "put", "patch", "delete")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")
ANY = frozenset(METHODS)
GET = frozenset({"get"})
POST = frozenset({"post"})

# Open to anyone, with any method (other methods get 405 or the same form).
PUBLIC = {name: ANY for name in ("login", "health", "admin:login", "api:auth-token",
                                 "api-not-found")}
# Open to every logged-in worker, on objects they may see.
WORKER_MAY = PUBLIC | {
    "home": GET, "logout": POST, "admin:logout": ANY,
    "annotation:home": GET, "review:home": GET,
    "rules:risk-category-list": GET, "rules:rule-set-list": GET, "rules:rule-set-detail": GET,
    "rules:rule-version-detail": GET, "rules:rule-version-diff": GET,
    "rules:rule-version-export": GET, "rules:rule-version-acknowledge": POST,
    "api:rules:risk-category-list": GET, "api:rules:risk-category-detail": GET,
    "api:rules:rule-set-list": GET, "api:rules:rule-set-detail": GET,
    "api:rules:rule-set-versions": GET, "api:rules:rule-version-detail": GET,
    "api:rules:rule-version-diff": GET, "api:rules:rule-version-export": GET,
    "api:rules:rule-version-acknowledge": POST, "api-schema": GET, "api-docs": GET,
    # Their own training, exams and credentials.
    "workforce:mine": GET, "workforce:course-detail": GET, "workforce:course-start": POST,
    "workforce:module-detail": GET, "workforce:module-confirm": POST,
    "workforce:exam-start": POST, "workforce:attempt-detail": GET | POST,
    "workforce:attempt-submit": GET | POST, "workforce:question-image": GET,
    "api:workforce:course-list": GET, "api:workforce:course-detail": GET,
    "api:workforce:course-start": POST, "api:workforce:module-open": POST,
    "api:workforce:module-confirm": POST, "api:workforce:training-record-list": GET,
    "api:workforce:attempt-list": GET | POST, "api:workforce:attempt-detail": GET,
    "api:workforce:attempt-answer": POST, "api:workforce:attempt-submit": POST,
    "api:workforce:credential-list": GET, "api:workforce:credential-detail": GET,
    "api:workforce:credential-history": GET, "api:workforce:assignment-list": GET,
    "api:workforce:policy-list": GET, "api:workforce:policy-detail": GET,
    # Their own tasks, items, leases and labels (others' answer 404).
    "api:annotation:task-list": GET, "api:annotation:task-detail": GET,
    "api:annotation:membership-list": GET, "api:annotation:batch-list": GET,
    "api:annotation:item-list": GET, "api:annotation:item-detail": GET,
    "api:annotation:item-media": GET, "api:annotation:task-next": POST,
    "api:annotation:lease-submit": POST, "api:annotation:lease-skip": POST,
    "api:annotation:my-labels": GET, "annotation:label": GET, "annotation:item-media": GET,
    # Their own account: password, two-factor sign-in, API tokens (others' tokens answer 404).
    "account:home": GET, "account:password-change": GET | POST,
    "account:two-factor-verify": GET | POST, "account:two-factor-enrol": GET | POST,
    "account:token-revoke": POST, "account:tokens-revoke-all": POST,
    "api:auth-token-list": GET, "api:auth-token-revoke": POST, "api:auth-token-revoke-all": POST,
}


def concrete(pattern, values: dict[str, str]) -> str:
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub(lambda m: values.get(m["name"], "1"), str(pattern))
    text = REGEX_GROUP.sub("1", pattern.regex.pattern)
    return text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "").replace("?", "")


def every_url(values: dict[str, str], resolver=None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from every_url(values, entry, prefix + concrete(entry.pattern, values), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield "/" + prefix + concrete(entry.pattern, values), name


def login_redirect(response) -> bool:
    return response.status_code == 302 and re.search(r"/(accounts|admin)/login/",
                                                      response["Location"]) is not None


def leaks(client, allowed: dict[str, frozenset], refused_statuses: set[int],
          values: dict[str, str]) -> list[str]:
    client.raise_request_exception = False
    found = []
    for url, name in sorted(set(every_url(values))):
        for method in METHODS:
            if method in allowed.get(name, frozenset()):
                continue
            response = getattr(client, method)(url, content_type="application/json") \
                if method != "get" else client.get(url)
            if not (response.status_code in refused_statuses or login_redirect(response)):
                found.append(f"{method.upper()} {url} ({name or 'unnamed'}): "
                             f"{response.status_code}")
    return found


@pytest.fixture
def objects(manager, workforce) -> dict[str, dict[str, str]]:
    published = rule_version_publish(actor=manager,
                                     version_id=make_safety_draft(manager, name="Net rules").pk)
    draft = make_functional_draft(manager, name="Net draft")
    # Someone else's training, attempt and credential, which the walkers must not reach.
    other = make_person("other.worker", Role.ANNOTATOR)
    complete_training(other, workforce["course"])
    attempt = take_exam(other)
    task = make_task(manager, kind="functional", name="Net task", items=2)
    join(manager, task, other)
    lease = lease_next(user=other, task_id=task.pk)
    # A reviewed batch, a safety label and an export, all of tasks the walkers are not in.
    reviewed, _, checker = review_task(manager, name="Net review", items=6, batch_size=6)
    check_all(checker, reviewed)
    sample = Sample.objects.get(batch__task=reviewed)
    safety = make_task(manager, kind="safety", name="Net safety", items=1,
                       minimum_seconds_per_item=0)
    join(manager, safety, other)
    label_everything(safety, [other])
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = export_job_create(actor=manager, task_id=reviewed.pk, format="jsonl")
    workforce_values = {
        "task_id": str(task.pk), "item_id": str(lease.item_id), "lease_id": str(lease.pk),
        "membership_id": str(other.memberships.get(task=task).pk),
        "job_id": str(task.imports.get().pk),
        "course_id": str(workforce["course"].pk),
        "module_id": str(workforce["course"].modules.first().pk),
        "question_id": str(workforce["exam"].questions.first().pk),
        "attempt_id": str(attempt.pk),
        "credential_id": str(other.credentials.get(kind=KIND).pk),
        "user_id": str(other.pk), "kind": KIND, "action": "suspend",
        "sample_id": str(sample.pk), "check_id": str(sample.checks.first().pk),
        "decision_id": str(sample.decision.pk),
        "label_id": str(SafetyLabel.objects.get(task_id=safety.pk).pk),
        "export_id": str(export.pk),
    }
    return {
        "published": {"version_id": str(published.pk), "rule_set_id": str(published.rule_set_id),
                      "code": "A.1.a", **workforce_values},
        "draft": {"version_id": str(draft.pk), "rule_set_id": str(draft.rule_set_id),
                  "code": "A.1.a", **workforce_values},
    }


def test_the_walk_finds_the_projects_urls():
    names = {name for _, name in every_url({})}

    assert {"home", "compliance:home", "api:rules:rule-version-publish",
            "rules:rule-version-edit", "admin:index", "workforce:people",
            "api:workforce:credential-suspend", "review:batch-board",
            "api:review:safety-label-approve", "api:review:export-download"} <= names
    assert len(names) > 40


@pytest.mark.parametrize("which", ["published", "draft"])
def test_anonymous_users_get_nothing(client, objects, which):
    assert leaks(client, PUBLIC, {401, 403}, objects[which]) == []


@pytest.mark.parametrize("which", ["published", "draft"])
@pytest.mark.parametrize("person", ["annotator", "reviewer"])
def test_workers_get_nothing_meant_for_managers(client, request, objects, which, person):
    client.force_login(request.getfixturevalue(person))

    assert leaks(client, WORKER_MAY, {401, 403, 404, 405}, objects[which]) == []


def test_the_net_catches_a_page_that_forgets_its_check(client, annotator, objects,
                                                        monkeypatch):
    client.force_login(annotator)
    monkeypatch.setattr("annotators.permissions.user_is_manager", lambda user: True)

    found = leaks(client, WORKER_MAY, {401, 403, 404, 405}, objects["published"])

    assert any("(compliance:home)" in line for line in found)
