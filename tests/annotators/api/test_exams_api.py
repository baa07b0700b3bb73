"""The exams API: exams, pools and attempts; keys never leave the server."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from annotators.models import Ability, Credential, Exam, ExamAttempt
from annotators.selectors import attempt_questions
from annotators.services import attempt_start
from audit.models import AuditEvent
from tests.annotators.api.calls import keys_in, post, url
from tests.workforce import KIND, build_exam, complete_training, right_answer

pytestmark = pytest.mark.django_db


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
