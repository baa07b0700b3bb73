from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from annotators.models import Ability, Credential, ExamAttempt, Topic, TrainingRecord
from annotators.selectors import attempt_questions
from annotators.services import (
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
    policy_update,
    training_confirm_module,
    training_open_module,
    training_start,
)
from annotators.services.common import WorkforceInvalid, WorkforcePermissionDenied
from annotators.services.exams import question_score
from annotators.services.training import TrainingOutOfOrder
from tests.workforce import (
    KIND,
    build_course,
    build_exam,
    complete_training,
    right_answer,
    take_exam,
)

pytestmark = pytest.mark.django_db


class TestPolicy:
    @pytest.mark.parametrize("missing", list(Topic.values))
    def test_a_course_missing_one_topic_cannot_be_required(self, manager, missing):
        course = build_course(manager, topics=[t for t in Topic.values if t != missing])

        with pytest.raises(WorkforceInvalid, match="cannot be required"):
            policy_update(actor=manager, kind=KIND, changes={"course": course})

    def test_an_exam_without_enough_questions_for_an_ability_cannot_be_required(self, manager):
        exam = build_exam(manager, per_ability=5, pool=3)

        with pytest.raises(WorkforceInvalid, match="Identifying safety risks: 3 question"):
            policy_update(actor=manager, kind=KIND, changes={"exam": exam})

    def test_a_worker_cannot_change_a_policy(self, annotator, workforce):
        with pytest.raises(WorkforcePermissionDenied):
            policy_update(actor=annotator, kind=KIND, changes={"max_attempts": 99})

        workforce["policy"].refresh_from_db()
        assert workforce["policy"].max_attempts != 99


class TestTraining:
    def test_modules_are_read_in_order_and_timed_on_the_server(self, annotator, workforce):
        course = workforce["course"]
        first, second = course.modules.order_by("position")[:2]
        training_start(user=annotator, course_id=course.pk)

        with pytest.raises(TrainingOutOfOrder, match="module 1"):
            training_open_module(user=annotator, module_id=second.pk)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            training_open_module(user=annotator, module_id=first.pk)
            clock.shift(timedelta(seconds=95))
            progress = training_confirm_module(user=annotator, module_id=first.pk)

        assert progress.seconds_spent == 95
        training_open_module(user=annotator, module_id=second.pk)

    def test_confirming_the_last_module_completes_the_record(self, annotator, workforce):
        complete_training(annotator, workforce["course"])

        record = TrainingRecord.objects.get(user=annotator)
        assert record.completed_at is not None
        workforce["course"].refresh_from_db()
        assert record.course_version == workforce["course"].version == 5


class TestAttemptPreconditions:
    def test_refuses_an_attempt_before_training(self, annotator, workforce):
        with pytest.raises(AttemptRefused, match="Complete the course"):
            attempt_start(user=annotator, kind=KIND)

    def test_refuses_more_attempts_than_allowed(self, manager, annotator, workforce):
        policy_update(actor=manager, kind=KIND, changes={"max_attempts": 2,
                                                         "cooldown_hours": 0})
        complete_training(annotator, workforce["course"])
        for _ in range(2):
            assert not take_exam(annotator, wrong_abilities=Ability.values).passed

        with pytest.raises(AttemptRefused, match="all 2 attempts"):
            attempt_start(user=annotator, kind=KIND)

        complete_training(annotator, workforce["course"])
        assert attempt_start(user=annotator, kind=KIND).status == "in_progress"

    def test_refuses_an_attempt_within_the_cool_down(self, annotator, workforce):
        complete_training(annotator, workforce["course"])
        take_exam(annotator, wrong_abilities=Ability.values)

        with pytest.raises(AttemptRefused, match="Wait until"):
            attempt_start(user=annotator, kind=KIND)
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            assert attempt_start(user=annotator, kind=KIND).status == "in_progress"

    def test_returns_the_attempt_in_progress_instead_of_a_second(self, annotator, workforce):
        complete_training(annotator, workforce["course"])

        first = attempt_start(user=annotator, kind=KIND)
        again = attempt_start(user=annotator, kind=KIND)

        assert first.pk == again.pk

    def test_draws_the_configured_number_per_ability(self, annotator, workforce):
        complete_training(annotator, workforce["course"])

        attempt = attempt_start(user=annotator, kind=KIND)

        abilities = [q.ability for q, _ in attempt_questions(attempt)]
        assert sorted(abilities) == sorted(Ability.values * 2)


class TestGrading:
    def test_passing_every_ability_issues_a_credential(self, annotator, workforce):
        complete_training(annotator, workforce["course"])

        attempt = take_exam(annotator)

        assert attempt.passed is True
        assert attempt.overall_score == 100
        credential = Credential.objects.get(user=annotator, kind=KIND)
        assert credential.status == "active"
        assert credential.history.get().action == "issued"

    def test_a_high_overall_score_with_one_ability_below_its_mark_fails(self, manager,
                                                                         annotator):
        course = build_course(manager)
        exam = build_exam(manager, per_ability=2, pool=3, overall_pass_mark=70)
        policy_update(actor=manager, kind=KIND, changes={"course": course, "exam": exam})
        complete_training(annotator, course)

        attempt = take_exam(annotator, wrong_abilities=[Ability.DATA_SECURITY])

        assert attempt.overall_score == 75
        assert attempt.ability_scores[Ability.DATA_SECURITY]["passed"] is False
        assert attempt.passed is False
        assert not Credential.objects.filter(user=annotator).exists()

    def test_a_late_submission_is_graded_at_the_limit(self, annotator, workforce):
        complete_training(annotator, workforce["course"])
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            attempt = attempt_start(user=annotator, kind=KIND)
            questions = [q for q, _ in attempt_questions(attempt)]
            for question in questions[:4]:
                attempt_answer(user=annotator, attempt_id=attempt.pk, question_id=question.pk,
                               response=right_answer(question))
            clock.shift(timedelta(minutes=25))

            with pytest.raises(AttemptRefused, match="Time is up"):
                attempt_answer(user=annotator, attempt_id=attempt.pk,
                               question_id=questions[5].pk,
                               response=right_answer(questions[5]))
            graded = attempt_submit(user=annotator, attempt_id=attempt.pk)

        assert graded.status == ExamAttempt.Status.GRADED
        assert graded.submitted_at == attempt.deadline_at
        assert graded.overall_score == 50
        assert graded.passed is False

    def test_practical_questions_give_partial_credit(self, workforce):
        practical = workforce["exam"].questions.get(kind="practical")

        assert question_score(practical, ["A.2.e", "A.4.e"]) == 1
        assert question_score(practical, ["A.2.e"]) == Decimal("0.5")
        assert float(question_score(practical, ["A.2.e", "A.1.a"])) == pytest.approx(1 / 3)
        assert question_score(practical, []) == 0

    def test_answers_are_checked_against_the_question(self, annotator, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        question = next(q for q, _ in attempt_questions(attempt) if q.kind == "single")

        with pytest.raises(WorkforceInvalid, match="Choose one option"):
            attempt_answer(user=annotator, attempt_id=attempt.pk, question_id=question.pk,
                           response=[0, 1])
        with pytest.raises(WorkforceInvalid, match="among the question's options"):
            attempt_answer(user=annotator, attempt_id=attempt.pk, question_id=question.pk,
                           response=[7])

    def test_a_worker_cannot_answer_anothers_attempt(self, annotator, reviewer, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        question = attempt_questions(attempt)[0][0]

        with pytest.raises(WorkforceInvalid, match="no exam attempt"):
            attempt_answer(user=reviewer, attempt_id=attempt.pk, question_id=question.pk,
                           response=[0])
