"""The policies and assignments API."""

from datetime import date

import pytest

from annotators.models import Assignment, CredentialPolicy
from annotators.services import assignment_schedule
from tests.annotators.api.calls import post, url
from tests.workforce import KIND, build_course, build_exam

pytestmark = pytest.mark.django_db


class TestPolicyAndAssignmentApi:
    def test_a_manager_changes_a_policy(self, manager_client, workforce):
        response = manager_client.patch(url("policy-detail", KIND), {"max_attempts": 5},
                                        content_type="application/json")

        assert response.status_code == 200
        assert CredentialPolicy.objects.get(kind=KIND).max_attempts == 5

    def test_a_worker_cannot_change_a_policy(self, annotator_client, workforce):
        response = annotator_client.patch(url("policy-detail", KIND), {"max_attempts": 99},
                                          content_type="application/json")

        assert response.status_code == 403
        assert CredentialPolicy.objects.get(kind=KIND).max_attempts != 99

    def test_a_course_missing_a_topic_is_refused_through_the_api(self, manager_client,
                                                                 manager):
        course = build_course(manager, title="Partial", topics=["task_rules", "tool_use"])

        response = manager_client.patch(url("policy-detail", KIND), {"course": course.pk},
                                        content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "course_missing_topics"
        assert "Verifying annotation quality" in response.json()["message"]
        assert CredentialPolicy.objects.get(kind=KIND).course is None

    def test_bulk_retraining(self, manager_client, annotator, reviewer, workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk, reviewer.pk], "kind": KIND,
            "due_date": "2099-01-31", "reason": "Rules v2"})

        assert response.status_code == 201
        assert {row["user"] for row in response.json()} == {annotator.username,
                                                             reviewer.username}
        assert set(Assignment.objects.filter(user__in=[annotator, reviewer], kind=KIND,
                                             type="retraining", status="open")
                   .values_list("user_id", flat=True)) == {annotator.pk, reviewer.pk}

    def test_workers_see_their_own_assignments_only(self, client, annotator, reviewer,
                                                    manager, workforce):
        assignment_schedule(actor=manager, user_ids=[annotator.pk, reviewer.pk], kind=KIND,
                            due_date=date(2099, 1, 1), reason="x")
        client.force_login(reviewer)

        body = client.get(url("assignment-list")).json()
        scheduled = post(client, url("assignment-list"), {
            "user_ids": [reviewer.pk], "kind": KIND, "due_date": "2099-01-31", "reason": "x"})

        assert [row["user"] for row in body["results"]] == [reviewer.username]
        assert scheduled.status_code == 403
        assert Assignment.objects.filter(user=reviewer, kind=KIND).count() == 1


class TestPolicyBoundsApi:
    def patch(self, client, data, kind=KIND):
        return client.patch(url("policy-detail", kind), data, content_type="application/json")

    @pytest.mark.parametrize(("field", "value"), [
        ("validity_days", 29), ("validity_days", 1096), ("retraining_interval_days", 6),
        ("reassessment_interval_days", 6), ("grace_days", 61), ("max_attempts", 0),
        ("max_attempts", 11), ("cooldown_hours", 721), ("revocation_wait_days", 366),
        ("expiry_notice_days", -1)])
    def test_a_value_out_of_bounds_is_400_naming_the_field(self, manager_client, workforce,
                                                          field, value):
        before = getattr(CredentialPolicy.objects.get(kind=KIND), field)

        response = self.patch(manager_client, {field: value})

        assert response.status_code == 400
        assert set(response.json()["detail"]) == {field}
        assert getattr(CredentialPolicy.objects.get(kind=KIND), field) == before

    def test_an_interval_longer_than_the_validity_is_400_naming_the_field(self, manager_client,
                                                                         workforce):
        response = self.patch(manager_client, {"validity_days": 120,
                                               "retraining_interval_days": 90})

        assert response.status_code == 400
        assert response.json()["detail"] == {"reassessment_interval_days": [
            "Reassessment every 330 days would come after the credential expires (120 days); "
            "set 120 days or fewer."]}
        assert CredentialPolicy.objects.get(kind=KIND).validity_days == 365

    def test_an_exam_short_of_questions_is_400_naming_ability_and_numbers(self, manager_client,
                                                                         manager, workforce):
        short = build_exam(manager, title="Short exam", per_ability=5, pool=3)

        response = self.patch(manager_client, {"exam": short.pk})

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "exam_not_ready"
        assert ("Exam 'Short exam' has 3 active questions for identifying safety risks but "
                "draws 5; add 2 more before using it.") in body["detail"]["exam"]
        assert CredentialPolicy.objects.get(kind=KIND).exam == workforce["exam"]
