from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from annotators.models import Ability, Assignment, Credential, CredentialPolicy, Exam, ExamAttempt
from annotators.selectors import attempt_questions
from annotators.services import attempt_start
from audit.models import AuditEvent
from tests.workforce import KIND, build_exam, complete_training, right_answer

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


class TestAttemptsOnAnExamThatIsNotReady:
    def test_an_exam_short_of_questions_is_409_naming_the_shortfall(self, annotator_client,
                                                                    annotator, workforce):
        exam = workforce["exam"]
        exam.questions.filter(ability=Ability.DATA_SECURITY).update(active=False)
        complete_training(annotator, workforce["course"])

        response = post(annotator_client, url("attempt-list"), {"kind": KIND})

        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "attempt_refused"
        assert "has 0 active questions for managing data security but draws 2" in body["message"]
        assert body["detail"] == {"exam": [
            "Exam 'Safety annotation exam' has 0 active questions for managing data security "
            "but draws 2; add 2 more before using it."]}
        assert not ExamAttempt.objects.filter(user=annotator).exists()

    def test_an_exam_that_draws_nothing_is_refused_not_a_server_error(self, annotator_client,
                                                                      annotator, workforce):
        # The page once accepted 0 questions per ability; the attempt then broke on grading.
        Exam.objects.filter(pk=workforce["exam"].pk).update(questions_per_ability=0)
        complete_training(annotator, workforce["course"])

        response = post(annotator_client, url("attempt-list"), {"kind": KIND})

        assert response.status_code == 409
        assert "draws no questions" in response.json()["message"]
        assert not ExamAttempt.objects.filter(user=annotator).exists()

    def test_an_attempt_holding_no_questions_is_graded_not_a_server_error(
            self, annotator_client, annotator, workforce):
        now = timezone.now()
        attempt = ExamAttempt.objects.create(
            user=annotator, exam=workforce["exam"], credential_kind=KIND, question_ids=[],
            started_at=now, deadline_at=now + timedelta(minutes=20))

        response = post(annotator_client, url("attempt-submit", attempt.pk))

        assert response.status_code == 200
        assert response.json()["passed"] is False
        assert ExamAttempt.objects.get(pk=attempt.pk).status == ExamAttempt.Status.GRADED


class TestLateAnswerApi:
    def test_a_late_answer_is_409_and_the_attempt_stays_graded(self, annotator_client,
                                                               annotator, workforce):
        complete_training(annotator, workforce["course"])
        with time_machine.travel(timezone.now(), tick=False) as clock:
            attempt = attempt_start(user=annotator, kind=KIND)
            question = attempt_questions(attempt)[0][0]
            clock.shift(timedelta(minutes=21))

            response = post(annotator_client, url("attempt-answer", attempt.pk),
                            {"question": question.pk, "response": right_answer(question)})

        assert response.status_code == 409
        assert "Time is up" in response.json()["message"]
        stored = ExamAttempt.objects.get(pk=attempt.pk)
        assert (stored.status, stored.submitted_at) == (ExamAttempt.Status.GRADED,
                                                        attempt.deadline_at)
        assert AuditEvent.objects.filter(action="exam.attempt_graded",
                                         target_id=str(attempt.pk)).exists()


class TestExamApi:
    EXAM = {"title": "Review exam", "questions_per_ability": 1, "time_limit_minutes": 20}

    @pytest.mark.parametrize("field", ["pass_mark_understanding_rules", "pass_mark_using_tools",
                                       "pass_mark_identifying_risks", "pass_mark_data_security",
                                       "overall_pass_mark"])
    def test_a_pass_mark_below_the_floor_is_400_naming_the_field(self, manager_client, field):
        response = post(manager_client, url("exam-list"), {**self.EXAM, field: 59})

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert body["detail"] == {field: [
            "A pass mark below 60% lets people pass knowing too little; set 60 or more."]}
        assert not Exam.objects.filter(title="Review exam").exists()

    def test_the_floor_is_the_providers_setting(self, manager_client, settings):
        settings.EXAM_PASS_MARK_FLOOR = 50

        accepted = post(manager_client, url("exam-list"), {**self.EXAM, "overall_pass_mark": 55})
        refused = post(manager_client, url("exam-list"),
                       {**self.EXAM, "title": "Other", "overall_pass_mark": 45})

        assert accepted.status_code == 201
        assert refused.status_code == 400
        assert "below 50%" in refused.json()["detail"]["overall_pass_mark"][0]
        assert Exam.objects.get(title="Review exam").overall_pass_mark == 55
        assert not Exam.objects.filter(title="Other").exists()

    @pytest.mark.parametrize(("field", "value"), [
        ("questions_per_ability", 0), ("questions_per_ability", 51),
        ("time_limit_minutes", 4), ("time_limit_minutes", 241), ("overall_pass_mark", 101)])
    def test_settings_out_of_bounds_are_400_naming_the_field(self, manager_client, field,
                                                             value):
        response = post(manager_client, url("exam-list"), {**self.EXAM, field: value})

        assert response.status_code == 400
        assert set(response.json()["detail"]) == {field}
        assert not Exam.objects.filter(title="Review exam").exists()

    def test_a_new_exam_shows_what_its_pool_lacks(self, manager_client):
        response = post(manager_client, url("exam-list"), self.EXAM)

        assert response.status_code == 201
        assert response.json()["shortfalls"] == [
            f"Exam 'Review exam' has 0 active questions for {ability} but draws 1; add 1 more "
            "before using it." for ability in ("understanding the annotation rules",
                                               "using the annotation tools",
                                               "identifying safety risks",
                                               "managing data security")]
        assert Exam.objects.filter(title="Review exam").exists()

    def test_the_list_shows_each_exams_shortfall_in_one_query(self, manager_client, manager,
                                                              django_assert_max_num_queries):
        build_exam(manager, title="Ready exam")
        build_exam(manager, title="Short exam", per_ability=4)
        for n in range(3):
            build_exam(manager, title=f"Exam {n}")

        with django_assert_max_num_queries(6):
            body = manager_client.get(url("exam-list")).json()

        shortfalls = {row["title"]: row["shortfalls"] for row in body["results"]}
        assert shortfalls["Ready exam"] == []
        assert len(shortfalls["Short exam"]) == 4
        assert shortfalls["Short exam"][0].startswith(
            "Exam 'Short exam' has 3 active questions for understanding the annotation rules "
            "but draws 4")


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

    @pytest.mark.parametrize("days", ["10000000000000000000000", "3651", "-1", "soon", "1.5"])
    def test_expiring_within_a_window_out_of_bounds_is_400(self, manager_client, credentialed,
                                                           days):
        response = manager_client.get(url("credential-list"), {"expiring_within_days": days})

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert set(response.json()["detail"]) == {"expiring_within_days"}

    def test_expiring_within_the_longest_window_finds_the_credential(self, manager_client,
                                                                     credentialed):
        body = manager_client.get(url("credential-list"),
                                  {"expiring_within_days": 3650}).json()

        assert [row["id"] for row in body["results"]] == [credentialed.pk]

    def test_an_unknown_credential_is_404_with_the_error_body(self, manager_client,
                                                              credentialed):
        response = post(manager_client, url("credential-suspend", 987654), {"reason": "x"})

        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "detail"}
        assert Credential.objects.get(pk=credentialed.pk).status == "active"

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


class TestUnknownIdsApi:
    def test_an_unknown_policy_is_404(self, manager_client):
        response = manager_client.patch(url("policy-detail", "pilot_annotate"),
                                        {"grace_days": 3}, content_type="application/json")

        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "detail"}
        assert not CredentialPolicy.objects.filter(kind="pilot_annotate").exists()

    def test_retraining_on_an_unknown_course_is_404(self, manager_client, annotator,
                                                    workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk], "kind": KIND, "due_date": "2099-01-31",
            "reason": "Rules v2", "course_id": 987654})

        assert response.status_code == 404
        assert response.json() == {"code": "course_not_found",
                                   "message": "There is no course 987654.", "detail": {}}
        assert not Assignment.objects.filter(user=annotator).exists()

    def test_retraining_for_an_unknown_person_is_404(self, manager_client, annotator,
                                                     workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk, 987654], "kind": KIND, "due_date": "2099-01-31",
            "reason": "Rules v2"})

        assert response.status_code == 404
        assert response.json()["code"] == "person_not_found"
        assert response.json()["detail"] == {"user_ids": [987654]}
        assert not Assignment.objects.filter(user=annotator).exists()
