"""Managers' set-up: policies, exams and their bounds."""

import re

import pytest

from annotators.models import Ability, CredentialPolicy, Exam, Question, Topic
from annotators.services import exam_create, policy_update, question_add
from annotators.services.common import WorkforceInvalid, WorkforcePermissionDenied
from annotators.services.setup import ExamNotReady
from tests.workforce import KIND, build_course, build_exam

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
