"""More of a workforce, for tests that list it: people trained, examined and owing
retraining, all through the real services, and a way to count a request's queries."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotators.models import Role
from annotators.services import assignment_schedule, credential_suspend
from tests.conftest import make_person
from tests.workforce import KIND, build_course, complete_training, take_exam


def add_credentialed_people(manager, course, *, count: int, prefix: str) -> list:
    """``count`` annotators who completed ``course``, passed the exam, had their credential
    suspended once, and owe retraining."""
    people = []
    for n in range(count):
        person = make_person(f"{prefix}.{n}", Role.ANNOTATOR)
        complete_training(person, course)
        take_exam(person)
        credential_suspend(actor=manager, credential_id=person.credentials.get(kind=KIND).pk,
                           reason=f"Spot check {n}")
        people.append(person)
    assignment_schedule(actor=manager, user_ids=[person.pk for person in people], kind=KIND,
                        due_date=timezone.localdate() + timedelta(days=14), reason="Rules v2")
    return people


def add_courses(manager, *, count: int, prefix: str) -> list:
    return [build_course(manager, title=f"{prefix} {n}") for n in range(count)]


def queries_to_get(client, path: str, data: dict | None = None) -> int:
    """How many queries a GET of ``path`` makes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, data or {})
    assert response.status_code == 200, response.status_code
    return len(captured)
