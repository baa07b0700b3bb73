"""Every refusal of the workforce names what failed in its code, with its family's status."""

import inspect
from datetime import date, timedelta

import pytest
from django.utils import timezone

import annotators.account_api
import annotators.selectors
import annotators.services
from annotators.models import Role
from annotators.selectors import attempt_questions
from annotators.services import (
    assignment_schedule,
    attempt_answer,
    attempt_start,
    course_create,
    credential_suspend,
    exam_create,
    password_change,
    person_create,
    person_unlock,
    policy_update,
    question_add,
    two_factor_reset,
)
from config.errors import ApplicationError, Conflict, Invalid, NotAllowed, NotFound
from tests.conftest import PASSWORD
from tests.workforce import KIND, build_course, complete_training

pytestmark = pytest.mark.django_db

GENERIC_CODES = {"application_error", "invalid", "not_allowed", "conflict", "not_found"}


def refusals(manager, annotator):
    """Each refusal, made for real, with the code it must carry."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return {
        "a worker changing a policy": (lambda: policy_update(
            actor=annotator, kind=KIND, changes={"grace_days": 3}),
            "workforce_manager_required", 403),
        "an unknown policy field": (lambda: policy_update(
            actor=manager, kind=KIND, changes={"colour": "red"}), "policy_field_unknown", 400),
        "a policy value out of bounds": (lambda: policy_update(
            actor=manager, kind=KIND, changes={"grace_days": 61}), "policy_invalid", 400),
        "a course missing a topic": (lambda: policy_update(
            actor=manager, kind=KIND,
            changes={"course": build_course(manager, title="Half", topics=["tool_use"])}),
            "course_missing_topics", 400),
        "a course title taken": (lambda: [course_create(actor=manager, title="Twice")
                                          for _ in range(2)], "course_invalid", 400),
        "a pass mark below the floor": (lambda: exam_create(
            actor=manager, title="Lenient", overall_pass_mark=10), "exam_invalid", 400),
        "a key that does not fit": (lambda: question_add(
            actor=manager, exam_id=exam_create(actor=manager, title="Keys").pk,
            ability="using_tools", kind="single", prompt="?", options=["a", "b"], key=[0, 1]),
            "question_key_invalid", 400),
        "a suspension without a reason": (lambda: credential_suspend(
            actor=manager, credential_id=1, reason=" "), "reason_required", 400),
        "a suspension ending in the past": (lambda: credential_suspend(
            actor=manager, credential_id=1, reason="x", until_date=date(2000, 1, 1)),
            "suspension_end_not_in_future", 400),
        "retraining for an unknown kind": (lambda: assignment_schedule(
            actor=manager, user_ids=[annotator.pk], kind="pilot", due_date=tomorrow,
            reason="x"), "credential_kind_unknown", 400),
        "retraining due in the past": (lambda: assignment_schedule(
            actor=manager, user_ids=[annotator.pk], kind=KIND, due_date=date(2000, 1, 1),
            reason="x"), "due_date_in_past", 400),
        "retraining with no course": (lambda: assignment_schedule(
            actor=manager, user_ids=[annotator.pk], kind=KIND, due_date=tomorrow, reason="x"),
            "retraining_course_missing", 400),
        "a manager making a manager": (lambda: person_create(
            actor=manager, username="new.boss", password=PASSWORD, role=Role.MANAGER),
            "role_grant_refused", 403),
        "a worker unlocking an account": (lambda: person_unlock(
            actor=annotator, user_id=manager.pk), "account_unlock_not_allowed", 403),
        "a worker resetting two factors": (lambda: two_factor_reset(
            actor=annotator, user_id=manager.pk), "two_factor_reset_not_allowed", 403),
        "a wrong current password": (lambda: password_change(
            user=annotator, old_password="not-it", new_password="a-Better-one-77"),
            "old_password_wrong", 400),
        "a weak new password": (lambda: password_change(
            user=annotator, old_password=PASSWORD, new_password="123"),
            "new_password_too_weak", 400),
    }


class TestRefusalCodes:
    @pytest.mark.parametrize("refusal", sorted(refusals(None, None)))
    def test_names_what_failed(self, manager, annotator, refusal):
        call, code, status = refusals(manager, annotator)[refusal]

        with pytest.raises(ApplicationError) as error:
            call()

        assert (error.value.code, error.value.http_status) == (code, status)


class TestAnswerCodes:
    def test_a_malformed_answer_and_a_stray_question_are_told_apart(self, annotator, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        question = attempt_questions(attempt)[0][0]

        with pytest.raises(Invalid) as malformed:
            attempt_answer(user=annotator, attempt_id=attempt.pk, question_id=question.pk,
                           response="not a list")
        with pytest.raises(Invalid) as stray:
            attempt_answer(user=annotator, attempt_id=attempt.pk, question_id=987654,
                           response=[0])

        assert malformed.value.code == "answer_invalid"
        assert stray.value.code == "question_not_in_attempt"
        assert not attempt.answers.exists()


def _raised_error_classes() -> list[type[ApplicationError]]:
    """The app's error classes that are raised: all but the families it groups them in."""
    modules = [annotators.account_api, annotators.selectors,
               *(module for _, module in inspect.getmembers(annotators.services,
                                                             inspect.ismodule))]
    found = {value for module in modules
             for _, value in inspect.getmembers(module, inspect.isclass)
             if issubclass(value, ApplicationError) and value.__module__.startswith("annotators")}
    return sorted((error for error in found if not error.__subclasses__()),
                  key=lambda error: error.__qualname__)


class TestEveryErrorClass:
    def test_the_app_has_its_errors(self):
        assert len(_raised_error_classes()) > 30

    @pytest.mark.parametrize("error", _raised_error_classes(), ids=lambda c: c.__qualname__)
    def test_has_a_specific_code_and_its_familys_status(self, error):
        assert error.code not in GENERIC_CODES
        families = {NotFound: 404, Invalid: 400, NotAllowed: 403, Conflict: 409}
        expected = next((status for family, status in families.items()
                         if issubclass(error, family)), error.http_status)
        assert error.http_status == expected
