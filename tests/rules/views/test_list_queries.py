"""The rules list pages read a page of rows in a fixed number of queries, however many rows."""

import pytest
from django.urls import reverse

from rules.services import rule_version_new_draft, rule_version_publish
from tests.rules.conftest import make_functional_draft

pytestmark = pytest.mark.django_db

SETS = 6
VERSIONS = 5


@pytest.fixture
def published_sets(manager):
    return [rule_version_publish(actor=manager, version_id=make_functional_draft(
        manager, name=f"Ranking rules {n}").pk) for n in range(SETS)]


@pytest.fixture
def versions(manager, published_functional):
    """A rule set with ``VERSIONS`` versions: all but the last published, the last a draft."""
    version = published_functional
    for _ in range(VERSIONS - 1):
        draft = rule_version_new_draft(actor=manager, source_version_id=version.pk)
        version = rule_version_publish(actor=manager, version_id=draft.pk) \
            if draft.number < VERSIONS else draft
    return version.rule_set


class TestRuleSetListPage:
    def test_a_manager_reads_every_set_with_its_versions_in_fixed_queries(
            self, manager_client, published_sets, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            response = manager_client.get(reverse("rules:rule-set-list"))

        assert response.status_code == 200
        assert response.content.decode().count("v1 published") == SETS

    def test_a_worker_reads_the_published_sets_in_fixed_queries(
            self, annotator_client, published_sets, django_assert_max_num_queries):
        with django_assert_max_num_queries(8):
            response = annotator_client.get(reverse("rules:rule-set-list"))

        assert response.status_code == 200
        assert response.content.decode().count("v1 published") == SETS


class TestRuleSetPage:
    def test_reads_every_version_in_fixed_queries(self, manager_client, versions,
                                                  django_assert_max_num_queries):
        with django_assert_max_num_queries(10):
            response = manager_client.get(reverse("rules:rule-set-detail", args=[versions.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert html.count("Compare with previous") == VERSIONS - 1
        assert "Edit draft" in html

    def test_the_versions_api_reads_a_page_in_fixed_queries(self, manager_client, versions,
                                                            django_assert_max_num_queries):
        url = reverse("api:rules:rule-set-versions", args=[versions.pk])

        with django_assert_max_num_queries(8):
            response = manager_client.get(url)

        assert response.status_code == 200
        assert [row["number"] for row in response.json()["results"]] == [5, 4, 3, 2, 1]


class TestRiskCategoryPage:
    def test_reads_the_31_categories_in_fixed_queries(self, annotator_client,
                                                      django_assert_max_num_queries):
        with django_assert_max_num_queries(7):
            response = annotator_client.get(reverse("rules:risk-category-list"))

        assert response.status_code == 200
        assert response.content.decode().count("<code>A.") == 31
