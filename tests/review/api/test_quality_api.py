import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.review_setup import as_user, check_all, queries_to_get, review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestQualityListApi:
    def test_a_manager_reads_each_annotators_accuracy_in_the_task(self, manager):
        task, people, reviewer = review_task(manager, name="Api quality", items=5, batch_size=5)
        check_all(reviewer, task)

        response = as_user(manager).get(reverse("api:review:quality-list"))

        mine = [row for row in response.json()["results"]
                if row["user"] in {person.pk for person in people}]
        assert {row["username"] for row in mine} == {person.username for person in people}
        assert {(row["kind"], row["task"], row["measure"], row["value"], row["fails"])
                for row in mine} == {("functional_annotate", task.pk, "accuracy", 1.0, False)}
        assert sum(row["checks"] for row in mine) == len(samples_of(task).get().item_ids)

    def test_workers_get_404(self, manager):
        _, people, reviewer = review_task(manager, name="Api quality who", items=3,
                                             batch_size=3)

        for user in (reviewer, people[0]):
            assert as_user(user).get(reverse("api:review:quality-list")).status_code == 404

    def test_reads_everyone_in_a_fixed_number_of_queries(self, manager,
                                                         django_assert_num_queries):
        task, _, reviewer = review_task(manager, name="Api quality few", items=4, batch_size=4)
        check_all(reviewer, task)
        client = as_user(manager)
        url = reverse("api:review:quality-list")
        main, safety = queries_to_get(client, url)
        more, _, more_reviewer = review_task(manager, name="Api quality more", items=9,
                                             batch_size=9, annotators=3)
        check_all(more_reviewer, more)

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            response = client.get(url)

        assert response.json()["count"] == 5


class TestQualitySignalListApi:
    @pytest.mark.parametrize("user", ["abc", "999999"])
    def test_an_unknown_person_is_404(self, manager, user):
        response = as_user(manager).get(reverse("api:review:quality-signal-list"),
                                        {"user": user})

        assert response.status_code == 404


class TestQualityPolicyApi:
    def test_a_manager_changes_a_policy_and_it_is_audited(self, manager, reviewer):
        url = reverse("api:review:quality-policy-detail", args=["functional_annotate"])
        client = as_user(manager)
        bad = client.patch(url, json.dumps({"threshold": "1.5"}),
                           content_type="application/json")
        assert bad.status_code == 400
        changed = client.patch(url, json.dumps({"threshold": "0.800", "minimum_checks": 10}),
                               content_type="application/json")
        assert changed.json()["threshold"] == "0.800"
        assert AuditEvent.objects.filter(action="quality_policy.updated").count() == 1
        assert as_user(reviewer).patch(url, json.dumps({"threshold": "0.1"}),
                                       content_type="application/json").status_code == 404
        listed = client.get(reverse("api:review:quality-policy-list")).json()["results"]
        assert {row["kind"]: row["threshold"] for row in listed}["functional_annotate"] == \
            "0.800"
