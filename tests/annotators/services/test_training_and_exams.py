import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from annotators.models import (
    Ability,
    Credential,
    CredentialPolicy,
    Exam,
    ExamAttempt,
    Question,
    Topic,
    TrainingRecord,
)
from annotators.selectors import attempt_questions
from annotators.services import (
    AttemptRefused,
    attempt_answer,
    attempt_start,
    attempt_submit,
    exam_create,
    policy_update,
    question_add,
    training_confirm_module,
    training_open_module,
    training_start,
)
from annotators.services.common import WorkforceInvalid, WorkforcePermissionDenied
from annotators.services.exams import AttemptNotFound, question_score
from annotators.services.setup import ExamNotReady
from annotators.services.training import TrainingOutOfOrder
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


class TestPolicy:
    @pytest.mark.parametrize("missing", list(Topic.values))
    def test_a_course_missing_one_topic_cannot_be_required(self, manager, missing):
        course = build_course(manager, topics=[t for t in Topic.values if t != missing])

        with pytest.raises(WorkforceInvalid, match="cannot be required"):
            policy_update(actor=manager, kind=KIND, changes={"course": course})

    def test_an_exam_without_enough_questions_for_an_ability_cannot_be_required(self, manager):
        exam = build_exam(manager, per_ability=5, pool=3)

        with pytest.raises(ExamNotReady) as error:
            policy_update(actor=manager, kind=KIND, changes={"exam": exam})

        assert ("Exam 'Safety annotation exam' has 3 active questions for identifying safety "
                "risks but draws 5; add 2 more before using it.") in error.value.detail["exam"]
        assert len(error.value.detail["exam"]) == 4
        assert CredentialPolicy.objects.get(kind=KIND).exam is None

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

        with pytest.raises(AttemptNotFound, match="no exam attempt") as error:
            attempt_answer(user=reviewer, attempt_id=attempt.pk, question_id=question.pk,
                           response=[0])

        assert (error.value.code, error.value.http_status) == ("attempt_not_found", 404)
        assert not attempt.answers.exists()


PASS_MARKS = ["pass_mark_understanding_rules", "pass_mark_using_tools",
              "pass_mark_identifying_risks", "pass_mark_data_security", "overall_pass_mark"]


class TestExamCreate:
    @pytest.mark.parametrize("field", PASS_MARKS)
    def test_refuses_a_pass_mark_below_the_floor(self, manager, field):
        with pytest.raises(WorkforceInvalid) as error:
            exam_create(actor=manager, title="Lenient", **{field: 59})

        assert error.value.detail == {field: [
            "A pass mark below 60% lets people pass knowing too little; set 60 or more."]}
        assert "60 or more" in error.value.message
        assert not Exam.objects.filter(title="Lenient").exists()

    def test_accepts_the_floor_itself(self, manager):
        exam = exam_create(actor=manager, title="Strict enough",
                           **dict.fromkeys(PASS_MARKS, 60))

        assert Exam.objects.get(pk=exam.pk).overall_pass_mark == 60

    def test_a_lower_floor_set_by_the_provider_allows_less(self, manager, settings):
        settings.EXAM_PASS_MARK_FLOOR = 40

        exam = exam_create(actor=manager, title="Lenient", pass_mark_using_tools=45)
        with pytest.raises(WorkforceInvalid, match="below 40%"):
            exam_create(actor=manager, title="Too lenient", pass_mark_using_tools=39)

        assert Exam.objects.get(pk=exam.pk).pass_mark_using_tools == 45
        assert not Exam.objects.filter(title="Too lenient").exists()

    @pytest.mark.parametrize(("field", "value"), [
        ("overall_pass_mark", 101), ("questions_per_ability", 0),
        ("questions_per_ability", 51), ("time_limit_minutes", 4),
        ("time_limit_minutes", 241)])
    def test_refuses_values_out_of_bounds(self, manager, field, value):
        with pytest.raises(WorkforceInvalid) as error:
            exam_create(actor=manager, title="Odd", **{field: value})

        assert set(error.value.detail) == {field}
        assert not Exam.objects.filter(title="Odd").exists()

    def test_accepts_the_bounds(self, manager):
        exam = exam_create(actor=manager, title="Edges", questions_per_ability=50,
                           time_limit_minutes=240, overall_pass_mark=100)

        assert (exam.questions_per_ability, exam.time_limit_minutes) == (50, 240)
        assert Exam.objects.filter(pk=exam.pk, questions_per_ability=50).exists()


class TestPolicyBounds:
    @pytest.mark.parametrize(("field", "value"), [
        ("validity_days", 29), ("validity_days", 1096), ("retraining_interval_days", 6),
        ("reassessment_interval_days", 6), ("grace_days", 61), ("max_attempts", 0),
        ("max_attempts", 11), ("cooldown_hours", 721), ("revocation_wait_days", 366)])
    def test_refuses_a_value_out_of_bounds(self, manager, workforce, field, value):
        before = getattr(CredentialPolicy.objects.get(kind=KIND), field)

        with pytest.raises(WorkforceInvalid) as error:
            policy_update(actor=manager, kind=KIND, changes={field: value})

        assert set(error.value.detail) == {field}
        assert getattr(CredentialPolicy.objects.get(kind=KIND), field) == before

    @pytest.mark.parametrize(("field", "value", "message"), [
        ("retraining_interval_days", 366, "Retraining every 366 days would come after the "
                                          "credential expires (365 days)"),
        ("reassessment_interval_days", 400, "Reassessment every 400 days would come after "
                                            "the credential expires (365 days)"),
        ("expiry_notice_days", 366, "A notice 366 days ahead"),
    ])
    def test_refuses_what_would_outlast_the_validity(self, manager, workforce, field, value,
                                                      message):
        with pytest.raises(WorkforceInvalid, match=re.escape(message)) as error:
            policy_update(actor=manager, kind=KIND, changes={field: value})

        assert set(error.value.detail) == {field}
        assert getattr(CredentialPolicy.objects.get(kind=KIND), field) != value

    def test_refuses_a_validity_shorter_than_the_intervals_it_keeps(self, manager, workforce):
        with pytest.raises(WorkforceInvalid) as error:
            policy_update(actor=manager, kind=KIND, changes={"validity_days": 90})

        assert set(error.value.detail) == {"retraining_interval_days",
                                           "reassessment_interval_days"}
        assert CredentialPolicy.objects.get(kind=KIND).validity_days == 365

    def test_accepts_the_bounds(self, manager, workforce):
        policy_update(actor=manager, kind=KIND, changes={
            "validity_days": 30, "retraining_interval_days": 30,
            "reassessment_interval_days": 7, "grace_days": 60, "max_attempts": 10,
            "cooldown_hours": 720, "revocation_wait_days": 365, "expiry_notice_days": 30})

        policy = CredentialPolicy.objects.get(kind=KIND)
        assert (policy.validity_days, policy.expiry_notice_days, policy.max_attempts) == (
            30, 30, 10)

    def test_refuses_an_exam_whose_pass_marks_predate_the_floor(self, manager):
        build_exam(manager, title="Old exam")
        # Saved before the floor existed: the update bypasses the validation on purpose.
        Exam.objects.filter(title="Old exam").update(pass_mark_data_security=40)
        exam = Exam.objects.get(title="Old exam")

        with pytest.raises(ExamNotReady) as error:
            policy_update(actor=manager, kind=KIND, changes={"exam": exam})

        assert error.value.detail == {"exam": [
            "Exam 'Old exam', pass mark data security: A pass mark below 60% lets people pass "
            "knowing too little; set 60 or more."]}
        assert CredentialPolicy.objects.get(kind=KIND).exam is None

    def test_refuses_an_exam_with_no_question_for_an_ability(self, manager):
        exam = exam_create(actor=manager, title="Half an exam", questions_per_ability=1)
        for ability in (Ability.UNDERSTANDING_RULES, Ability.USING_TOOLS,
                        Ability.DATA_SECURITY):
            question_add(actor=manager, exam_id=exam.pk, ability=ability,
                         kind=Question.Kind.SINGLE, prompt="?", options=["a", "b"], key=[0])

        with pytest.raises(ExamNotReady) as error:
            policy_update(actor=manager, kind=KIND, changes={"exam": exam})

        assert error.value.message == ("Exam 'Half an exam' has 0 active questions for "
                                       "identifying safety risks but draws 1; add 1 more "
                                       "before using it.")
        assert error.value.code == "exam_not_ready"
        assert CredentialPolicy.objects.get(kind=KIND).exam is None


class TestExamsFromBeforeTheFloor:
    def test_an_exam_passing_below_the_floor_cannot_be_taken(self, annotator, workforce):
        from annotators.models import CredentialPolicy, Exam
        from annotators.services import attempt_start
        from annotators.services.exams import AttemptRefused
        from tests.workforce import KIND, complete_training

        policy = CredentialPolicy.objects.get(kind=KIND)
        # Saved before the floor existed: the editor refuses such marks now.
        Exam.objects.filter(pk=policy.exam_id).update(pass_mark_using_tools=40)
        complete_training(annotator, policy.course)

        with pytest.raises(AttemptRefused, match="below the floor of 60%"):
            attempt_start(user=annotator, kind=KIND)

        assert not annotator.exam_attempts.exists()
