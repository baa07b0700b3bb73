import pytest
from django.utils import timezone

from annotators.services import (
    assignment_schedule,
    attempt_submit,
    credential_reinstate,
    credential_revoke,
    credential_suspend,
    module_add,
    policy_update,
    question_add,
    training_confirm_module,
    training_open_module,
    training_start,
    two_factor_reset,
)
from config.errors import NotFound
from tests.workforce import KIND

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


def calls(manager, annotator):
    """Each service, handed an id (or kind) that names nothing, with the code it answers."""
    return {
        "credential_suspend": (lambda: credential_suspend(
            actor=manager, credential_id=UNKNOWN, reason="x"), "credential_not_found"),
        "credential_reinstate": (lambda: credential_reinstate(
            actor=manager, credential_id=UNKNOWN, reason="x"), "credential_not_found"),
        "credential_revoke": (lambda: credential_revoke(
            actor=manager, credential_id=UNKNOWN, reason="x"), "credential_not_found"),
        "module_add": (lambda: module_add(
            actor=manager, course_id=UNKNOWN, title="x", topic="tool_use", body="x"),
            "course_not_found"),
        "question_add": (lambda: question_add(
            actor=manager, exam_id=UNKNOWN, ability="using_tools", kind="single", prompt="?",
            options=["a", "b"], key=[0]), "exam_not_found"),
        "policy_update": (lambda: policy_update(
            actor=manager, kind="pilot_annotate", changes={"grace_days": 3}),
            "policy_not_found"),
        "training_start": (lambda: training_start(user=annotator, course_id=UNKNOWN),
                           "course_not_found"),
        "training_open_module": (lambda: training_open_module(
            user=annotator, module_id=UNKNOWN), "module_not_found"),
        "training_confirm_module": (lambda: training_confirm_module(
            user=annotator, module_id=UNKNOWN), "module_not_found"),
        "attempt_submit": (lambda: attempt_submit(user=annotator, attempt_id=UNKNOWN),
                           "attempt_not_found"),
        "assignment_schedule with a course": (lambda: assignment_schedule(
            actor=manager, user_ids=[annotator.pk], kind=KIND, due_date=timezone.localdate(),
            reason="x", course_id=UNKNOWN), "course_not_found"),
        "assignment_schedule with a person": (lambda: assignment_schedule(
            actor=manager, user_ids=[annotator.pk, UNKNOWN], kind=KIND,
            due_date=timezone.localdate(), reason="x"), "person_not_found"),
        "two_factor_reset": (lambda: two_factor_reset(actor=manager, user_id=UNKNOWN),
                             "person_not_found"),
    }


class TestUnknownIds:
    @pytest.mark.parametrize("service", sorted(calls(None, None)))
    def test_are_not_found_with_the_services_own_code(self, manager, annotator, workforce,
                                                      service):
        call, code = calls(manager, annotator)[service]

        with pytest.raises(NotFound) as error:
            call()

        assert (error.value.code, error.value.http_status) == (code, 404)
        assert str(UNKNOWN) in error.value.message or "pilot_annotate" in error.value.message
        assert not annotator.assignments.exists()
