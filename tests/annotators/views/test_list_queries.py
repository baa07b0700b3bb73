"""Every list page of the workforce answers in as many queries for many rows as for few."""

import pytest
from django.urls import reverse

from annotators.models import CredentialKind
from annotators.services import (
    credential_reinstate,
    credential_suspend,
    policy_update,
)
from tests.annotators.crowd import add_courses, add_credentialed_people, queries_to_get
from tests.workforce import build_exam, take_exam

pytestmark = pytest.mark.django_db


class TestListPagesDoNotGrowWithRows:
    def test_the_workforce_table(self, manager_client, manager, workforce,
                                 django_assert_num_queries):
        page = reverse("workforce:people")
        add_credentialed_people(manager, workforce["course"], count=1, prefix="few")
        queries_to_get(manager_client, page)
        few = queries_to_get(manager_client, page)
        add_credentialed_people(manager, workforce["course"], count=4, prefix="many")

        with django_assert_num_queries(few):
            html = manager_client.get(page).content.decode()

        assert "many.3" in html
        assert "Reinstate…" in html

    def test_a_persons_page_with_every_credential_and_its_history(
            self, manager_client, manager, workforce, django_assert_num_queries):
        [person] = add_credentialed_people(manager, workforce["course"], count=1,
                                           prefix="held")
        page = reverse("workforce:person-detail", args=[person.pk])
        queries_to_get(manager_client, page)
        few = queries_to_get(manager_client, page)
        other = CredentialKind.FUNCTIONAL_ANNOTATE
        policy_update(actor=manager, kind=other,
                      changes={"course": workforce["course"], "exam": workforce["exam"]})
        take_exam(person, kind=other)
        credential = person.credentials.get(kind=other)
        credential_suspend(actor=manager, credential_id=credential.pk, reason="Second look")
        credential_reinstate(actor=manager, credential_id=credential.pk, reason="Cleared")

        with django_assert_num_queries(few):
            html = manager_client.get(page).content.decode()

        assert "Second look" in html
        assert "Spot check 0" in html
        assert html.count("Passed exam attempt") == 2

    def test_the_courses(self, manager_client, manager, django_assert_num_queries):
        page = reverse("workforce:course-list")
        add_courses(manager, count=1, prefix="Few")
        queries_to_get(manager_client, page)
        few = queries_to_get(manager_client, page)
        add_courses(manager, count=4, prefix="Many")

        with django_assert_num_queries(few):
            html = manager_client.get(page).content.decode()

        assert "Many 3" in html

    def test_the_exams(self, manager_client, manager, workforce, django_assert_num_queries):
        page = reverse("workforce:exam-list")
        queries_to_get(manager_client, page)
        few = queries_to_get(manager_client, page)
        for n in range(4):
            build_exam(manager, title=f"Exam {n}", per_ability=4)

        with django_assert_num_queries(few):
            html = manager_client.get(page).content.decode()

        assert html.count("but draws 4") == 16

    def test_a_workers_own_page(self, client, manager, workforce,
                                django_assert_num_queries):
        [person] = add_credentialed_people(manager, workforce["course"], count=1,
                                           prefix="own")
        client.force_login(person)
        page = reverse("workforce:mine")
        queries_to_get(client, page)
        few = queries_to_get(client, page)
        other = CredentialKind.FUNCTIONAL_ANNOTATE
        policy_update(actor=manager, kind=other,
                      changes={"course": workforce["course"], "exam": workforce["exam"]})
        take_exam(person, kind=other)

        with django_assert_num_queries(few):
            html = client.get(page).content.decode()

        assert "Functional annotation" in html
