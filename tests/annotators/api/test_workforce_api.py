import pytest
from django.urls import reverse

from annotators.models import Credential, CredentialPolicy
from annotators.selectors import attempt_questions
from annotators.services import attempt_start
from tests.workforce import KIND, complete_training, right_answer

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"api:workforce:{name}", args=args)


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def keys_in(value) -> set[str]:
    """Every dictionary key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


class TestTrainingApi:
    def test_a_worker_reads_a_course_through_the_api(self, annotator_client, annotator,
                                                     workforce):
        course = workforce["course"]
        modules = list(course.modules.order_by("position"))

        started = post(annotator_client, url("course-start", course.pk))
        out_of_order = post(annotator_client, url("module-open", modules[1].pk))
        for module in modules:
            post(annotator_client, url("module-open", module.pk))
            confirmed = post(annotator_client, url("module-confirm", module.pk))
        records = annotator_client.get(url("training-record-list")).json()

        assert started.status_code == 200
        assert out_of_order.status_code == 409
        assert out_of_order.json()["code"] == "training_out_of_order"
        assert confirmed.json()["confirmed_at"]
        assert records["results"][0]["completed_at"]

    def test_workers_cannot_create_courses_or_modules(self, annotator_client, workforce):
        created = post(annotator_client, url("course-list"), {"title": "Mine"})
        module = post(annotator_client, url("course-module-add", workforce["course"].pk),
                      {"title": "x", "topic": "tool_use", "body": "x"})

        assert created.status_code == 403
        assert module.status_code == 403

    def test_a_manager_builds_a_course(self, manager_client):
        course = post(manager_client, url("course-list"), {"title": "Review basics"}).json()

        module = post(manager_client, url("course-module-add", course["id"]),
                      {"title": "Tools", "topic": "tool_use", "body": "Use the keyboard."})
        bad = post(manager_client, url("course-module-add", course["id"]),
                   {"title": "x", "topic": "astrology", "body": "x"})

        assert module.status_code == 201
        assert module.json()["position"] == 1
        assert bad.status_code == 400


class TestAttemptApi:
    def test_an_attempt_never_carries_a_key(self, annotator_client, annotator, workforce):
        complete_training(annotator, workforce["course"])

        started = post(annotator_client, url("attempt-list"), {"kind": KIND})
        attempt_id = started.json()["id"]
        detail = annotator_client.get(url("attempt-detail", attempt_id))
        listing = annotator_client.get(url("attempt-list"))
        question = started.json()["questions"][0]
        answered = post(annotator_client, url("attempt-answer", attempt_id),
                        {"question": question["id"], "response": [0]})

        for response in (started, detail, listing, answered):
            body = response.json()
            assert not {"key", "explanation", "correct"} & keys_in(body)
            assert "The first option is right" not in response.content.decode()

    def test_after_grading_scores_and_explanations_but_no_key(self, annotator_client,
                                                              annotator, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        for question, _ in attempt_questions(attempt):
            post(annotator_client, url("attempt-answer", attempt.pk),
                 {"question": question.pk, "response": right_answer(question)})

        result = post(annotator_client, url("attempt-submit", attempt.pk)).json()

        assert result["passed"] is True
        assert set(result["ability_scores"]) == {"understanding_rules", "using_tools",
                                                 "identifying_risks", "data_security"}
        assert "key" not in keys_in(result)
        assert result["questions"][0]["explanation"]
        assert Credential.objects.filter(user=annotator, status="active").exists()

    def test_starting_without_training_is_409(self, annotator_client, workforce):
        response = post(annotator_client, url("attempt-list"), {"kind": KIND})

        assert response.status_code == 409
        assert response.json()["code"] == "attempt_refused"
        assert "Complete the course" in response.json()["message"]

    def test_a_worker_cannot_read_anothers_attempt(self, client, annotator, reviewer,
                                                   workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        client.force_login(reviewer)

        detail = client.get(url("attempt-detail", attempt.pk))
        answer = post(client, url("attempt-answer", attempt.pk),
                      {"question": attempt.question_ids[0], "response": [0]})
        submit = post(client, url("attempt-submit", attempt.pk))
        listing = client.get(url("attempt-list")).json()

        assert (detail.status_code, answer.status_code, submit.status_code) == (404, 404, 404)
        assert listing["count"] == 0

    def test_question_pools_are_for_managers_only(self, client, annotator, manager,
                                                  workforce):
        exam = workforce["exam"]
        client.force_login(annotator)

        assert client.get(url("exam-question-list", exam.pk)).status_code == 403
        assert client.get(url("exam-list")).status_code == 403
        client.force_login(manager)
        assert client.get(url("exam-question-list", exam.pk)).json()["count"] == 12


class TestCredentialApi:
    def test_managers_filter_and_search(self, manager_client, credentialed):
        by_kind = manager_client.get(url("credential-list"), {"kind": KIND}).json()
        expiring = manager_client.get(url("credential-list"),
                                      {"expiring_within_days": 30}).json()
        found = manager_client.get(url("credential-list"),
                                   {"search": credentialed.user.username}).json()
        bad = manager_client.get(url("credential-list"), {"status": "dormant"})

        assert by_kind["count"] == 1
        assert expiring["count"] == 0
        assert found["results"][0]["id"] == credentialed.pk
        assert bad.status_code == 400

    def test_suspend_reinstate_revoke_and_history(self, manager_client, credentialed):
        suspended = post(manager_client, url("credential-suspend", credentialed.pk),
                         {"reason": "Audit"})
        again = post(manager_client, url("credential-suspend", credentialed.pk),
                     {"reason": "Audit"})
        no_reason = post(manager_client, url("credential-reinstate", credentialed.pk), {})
        reinstated = post(manager_client, url("credential-reinstate", credentialed.pk),
                          {"reason": "Fine"})
        revoked = post(manager_client, url("credential-revoke", credentialed.pk),
                       {"reason": "Leak"})
        after = post(manager_client, url("credential-reinstate", credentialed.pk),
                     {"reason": "Undo"})
        history = manager_client.get(url("credential-history", credentialed.pk)).json()

        assert suspended.json()["status"] == "suspended"
        assert again.status_code == 409
        assert no_reason.status_code == 400
        assert reinstated.json()["status"] == "active"
        assert revoked.json()["status"] == "revoked"
        assert after.status_code == 409
        assert "revoked credential cannot be reinstated" in after.json()["message"]
        assert [row["action"] for row in history["results"]] == [
            "issued", "suspended", "reinstated", "revoked"]

    def test_workers_see_only_their_own_and_cannot_suspend(self, client, reviewer,
                                                          credentialed):
        client.force_login(reviewer)

        listing = client.get(url("credential-list")).json()
        detail = client.get(url("credential-detail", credentialed.pk))
        suspend = post(client, url("credential-suspend", credentialed.pk), {"reason": "x"})

        assert listing["count"] == 0
        assert detail.status_code == 404
        assert suspend.status_code == 403
        credentialed.refresh_from_db()
        assert credentialed.status == "active"

    def test_the_holder_reads_their_own(self, client, credentialed):
        client.force_login(credentialed.user)

        assert client.get(url("credential-list")).json()["count"] == 1
        assert client.get(url("credential-history", credentialed.pk)).status_code == 200


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
        from tests.workforce import build_course

        course = build_course(manager, title="Partial", topics=["task_rules", "tool_use"])

        response = manager_client.patch(url("policy-detail", KIND), {"course": course.pk},
                                        content_type="application/json")

        assert response.status_code == 400
        assert "Verifying annotation quality" in response.json()["message"]

    def test_bulk_retraining(self, manager_client, annotator, reviewer, workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk, reviewer.pk], "kind": KIND,
            "due_date": "2099-01-31", "reason": "Rules v2"})

        assert response.status_code == 201
        assert len(response.json()) == 2
        assert manager_client.get(url("assignment-list")).json()["count"] == 2

    def test_workers_see_their_own_assignments_only(self, client, annotator, reviewer,
                                                    manager, workforce):
        from annotators.services import assignment_schedule

        assignment_schedule(actor=manager, user_ids=[annotator.pk, reviewer.pk], kind=KIND,
                            due_date=__import__("datetime").date(2099, 1, 1), reason="x")
        client.force_login(reviewer)

        body = client.get(url("assignment-list")).json()
        scheduled = post(client, url("assignment-list"), {
            "user_ids": [reviewer.pk], "kind": KIND, "due_date": "2099-01-31", "reason": "x"})

        assert [row["user"] for row in body["results"]] == [reviewer.username]
        assert scheduled.status_code == 403
