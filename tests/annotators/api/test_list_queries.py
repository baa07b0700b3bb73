"""Every list of the workforce API answers in as many queries for many rows as for few."""

import pytest

from tests.annotators.api.calls import url
from tests.annotators.crowd import add_courses, add_credentialed_people, queries_to_get
from tests.workforce import KIND, build_exam

pytestmark = pytest.mark.django_db

PEOPLE_LISTS = ["credential-list", "attempt-list", "assignment-list", "training-record-list"]


class TestListsDoNotGrowWithRows:
    @pytest.mark.parametrize("name", PEOPLE_LISTS)
    def test_a_list_of_peoples_records(self, manager_client, manager, workforce,
                                       django_assert_num_queries, name):
        add_credentialed_people(manager, workforce["course"], count=1, prefix="few")
        queries_to_get(manager_client, url(name))
        few = queries_to_get(manager_client, url(name))
        add_credentialed_people(manager, workforce["course"], count=4, prefix="many")

        with django_assert_num_queries(few):
            body = manager_client.get(url(name)).json()

        assert body["count"] >= 5
        assert {"many.3", "few.0"} <= {row["user"] for row in body["results"]}

    def test_the_courses_with_their_modules(self, manager_client, manager,
                                            django_assert_num_queries):
        add_courses(manager, count=1, prefix="Few")
        queries_to_get(manager_client, url("course-list"))
        few = queries_to_get(manager_client, url("course-list"))
        add_courses(manager, count=4, prefix="Many")

        with django_assert_num_queries(few):
            body = manager_client.get(url("course-list")).json()

        assert body["count"] == 5
        assert all(len(course["modules"]) == 4 for course in body["results"])

    def test_the_exams_with_their_shortfalls(self, manager_client, manager, workforce,
                                             django_assert_num_queries):
        queries_to_get(manager_client, url("exam-list"))
        few = queries_to_get(manager_client, url("exam-list"))
        for n in range(4):
            build_exam(manager, title=f"Exam {n}", per_ability=4)

        with django_assert_num_queries(few):
            body = manager_client.get(url("exam-list")).json()

        assert body["count"] == 5
        assert sum(1 for exam in body["results"] if exam["shortfalls"]) == 4

    def test_the_policies_cost_one_count_more_than_one_policy(
            self, manager_client, workforce, django_assert_max_num_queries):
        queries_to_get(manager_client, url("policy-detail", KIND))
        one = queries_to_get(manager_client, url("policy-detail", KIND))

        with django_assert_max_num_queries(one + 1):
            body = manager_client.get(url("policy-list")).json()

        assert len(body["results"]) == 4
        assert workforce["course"].pk in {row["course"] for row in body["results"]}
