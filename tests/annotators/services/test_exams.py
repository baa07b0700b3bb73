"""Exam attempts: who may start one, what is drawn, and grading."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from annotators.models import Ability, Credential, CredentialPolicy, Exam, ExamAttempt
from annotators.selectors import attempt_questions
from annotators.services import (
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
    policy_update,
)
from annotators.services.common import WorkforceInvalid
from annotators.services.exams import AttemptNotFound, question_score
from audit.models import AuditEvent
from tests.workforce import (
    KIND,
    build_course,
    build_exam,
    complete_training,
    right_answer,
    take_exam,
)

pytestmark = pytest.mark.django_db


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

    def test_refuses_an_exam_with_too_few_active_questions_and_names_them(self, annotator,
                                                                          workforce):
        exam = workforce["exam"]
        # A question taken out of use after the exam was required: no service does it yet.
        exam.questions.filter(ability=Ability.USING_TOOLS).exclude(
            pk=exam.questions.filter(ability=Ability.USING_TOOLS).first().pk,
        ).update(active=False)
        complete_training(annotator, workforce["course"])

        with pytest.raises(AttemptRefused) as error:
            attempt_start(user=annotator, kind=KIND)

        assert ("has 1 active question for using the annotation tools but draws 2"
                in error.value.message)
        assert error.value.detail == {"exam": [
            "Exam 'Safety annotation exam' has 1 active question for using the annotation "
            "tools but draws 2; add 1 more before using it."]}
        assert not ExamAttempt.objects.filter(user=annotator).exists()

    def test_refuses_an_exam_that_draws_no_questions(self, annotator, workforce):
        # Exams could be made to draw nothing before the bounds; such a row still exists.
        Exam.objects.filter(pk=workforce["exam"].pk).update(questions_per_ability=0)
        complete_training(annotator, workforce["course"])

        with pytest.raises(AttemptRefused, match="draws no questions"):
            attempt_start(user=annotator, kind=KIND)

        assert not ExamAttempt.objects.filter(user=annotator).exists()

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

            # Graded by the refused answer itself, before any page view or sweep.
            graded = ExamAttempt.objects.get(pk=attempt.pk)
        assert graded.status == ExamAttempt.Status.GRADED
        assert graded.submitted_at == attempt.deadline_at
        assert graded.overall_score == 50
        assert graded.passed is False
        assert not graded.answers.filter(question=questions[5]).exists()
        assert AuditEvent.objects.filter(action="exam.attempt_graded",
                                         target_id=str(attempt.pk)).count() == 1

    def test_starting_again_after_the_limit_keeps_the_grade_when_refused(self, annotator,
                                                                         workforce):
        complete_training(annotator, workforce["course"])
        with time_machine.travel(timezone.now(), tick=False) as clock:
            attempt = take_exam(annotator, submit=False)
            clock.shift(timedelta(minutes=25))

            with pytest.raises(AttemptRefused, match="Wait until"):
                attempt_start(user=annotator, kind=KIND)

        graded = ExamAttempt.objects.get(pk=attempt.pk)
        assert graded.status == ExamAttempt.Status.GRADED
        assert graded.submitted_at == attempt.deadline_at
        assert graded.passed is True
        assert Credential.objects.get(user=annotator, kind=KIND).status == "active"
        assert AuditEvent.objects.filter(action="exam.attempt_graded",
                                         target_id=str(attempt.pk)).exists()
        assert ExamAttempt.objects.filter(user=annotator).count() == 1

    def test_an_attempt_holding_no_questions_fails_instead_of_breaking(self, annotator,
                                                                       workforce):
        # Drawn from an exam that drew no questions, before exams had to draw some.
        now = timezone.now()
        attempt = ExamAttempt.objects.create(
            user=annotator, exam=workforce["exam"], credential_kind=KIND, question_ids=[],
            started_at=now, deadline_at=now + timedelta(minutes=20))

        graded = attempt_submit(user=annotator, attempt_id=attempt.pk)

        stored = ExamAttempt.objects.get(pk=attempt.pk)
        assert graded.passed is stored.passed is False
        assert (stored.status, stored.overall_score) == (ExamAttempt.Status.GRADED, 0)
        assert not Credential.objects.filter(user=annotator).exists()

    def test_practical_questions_give_partial_credit(self, workforce):
        practical = workforce["exam"].questions.get(kind="practical")

        assert question_score(question=practical, response=["A.2.e", "A.4.e"]) == 1
        assert question_score(question=practical, response=["A.2.e"]) == Decimal("0.5")
        assert float(question_score(question=practical, response=["A.2.e", "A.1.a"])) \
            == pytest.approx(1 / 3)
        assert question_score(question=practical, response=[]) == 0

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

        with pytest.raises(AttemptNotFound, match="no exam attempt") as error:
            attempt_answer(user=reviewer, attempt_id=attempt.pk, question_id=question.pk,
                           response=[0])

        assert (error.value.code, error.value.http_status) == ("attempt_not_found", 404)
        assert not attempt.answers.exists()


class TestExamsFromBeforeTheFloor:
    def test_an_exam_passing_below_the_floor_cannot_be_taken(self, annotator, workforce):
        policy = CredentialPolicy.objects.get(kind=KIND)
        # Saved before the floor existed: the editor refuses such marks now.
        Exam.objects.filter(pk=policy.exam_id).update(pass_mark_using_tools=40)
        complete_training(annotator, policy.course)

        with pytest.raises(AttemptRefused, match="below the floor of 60%"):
            attempt_start(user=annotator, kind=KIND)

        assert not annotator.exam_attempts.exists()
