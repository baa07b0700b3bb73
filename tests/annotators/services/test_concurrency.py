import itertools

import pytest
from django.contrib.auth import get_user_model

from annotators.models import ApiToken, Credential, Exam, ExamAttempt, Role
from annotators.selectors import attempt_questions
from annotators.services import (
    api_token_issue,
    api_token_revoke,
    attempt_answer,
    attempt_start,
    credential_revoke,
    credential_suspend,
)
from tests.conftest import make_person
from tests.rules.services.test_concurrency import is_locked_while, run_together
from tests.workforce import (
    KIND,
    build_course,
    build_exam,
    complete_training,
    right_answer,
    take_exam,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def set_up():
    from annotators.services import policy_update

    first, second = make_person("mgr.x", Role.MANAGER), make_person("mgr.y", Role.MANAGER)
    worker = make_person("ann.x", Role.ANNOTATOR)
    course = build_course(first)
    policy_update(actor=first, kind=KIND, changes={"course": course, "exam": build_exam(first)})
    complete_training(worker, course)
    return first, second, worker


class TestConcurrentCredentialChanges:
    def test_suspend_and_revoke_at_once_leave_a_consistent_history(self):
        first, second, worker = set_up()
        take_exam(worker)
        credential = Credential.objects.get(user=worker)

        outcomes = run_together(
            lambda: credential_suspend(actor=first, credential_id=credential.pk, reason="a"),
            lambda: credential_revoke(actor=second, credential_id=credential.pk, reason="b"))

        credential.refresh_from_db()
        history = list(credential.history.order_by("pk").values_list("from_status",
                                                                     "to_status"))
        assert all(not isinstance(o, Exception) or "revoked" in str(o) for o in outcomes)
        assert history[-1][1] == credential.status == "revoked"
        for (_, to_status), (from_status, _) in itertools.pairwise(history):
            assert to_status == from_status, history

    def test_two_starts_at_once_make_one_attempt(self):
        _, _, worker = set_up()

        outcomes = run_together(lambda: attempt_start(user=worker, kind=KIND),
                                lambda: attempt_start(user=worker, kind=KIND))

        assert ExamAttempt.objects.filter(user=worker).count() == 1
        assert {o.pk for o in outcomes if isinstance(o, ExamAttempt)} <= set(
            ExamAttempt.objects.values_list("pk", flat=True))


class TestLockScope:
    @pytest.mark.parametrize(("probe", "expected"), [("exam", False), ("attempt", True)])
    def test_an_answer_locks_its_attempt_and_not_the_exam(self, monkeypatch, probe, expected):
        _, _, worker = set_up()
        attempt = attempt_start(user=worker, kind=KIND)
        question = attempt_questions(attempt)[0][0]
        rows = {"exam": lambda: Exam.objects.select_for_update(nowait=True).get(
                    pk=attempt.exam_id),
                "attempt": lambda: ExamAttempt.objects.select_for_update(nowait=True).get(
                    pk=attempt.pk)}

        locked = is_locked_while(
            lambda: attempt_answer(user=worker, attempt_id=attempt.pk,
                                   question_id=question.pk, response=right_answer(question)),
            monkeypatch, "annotators.services.exams._valid_response", rows[probe])

        assert locked is expected
        assert attempt.answers.filter(question=question).exists()

    @pytest.mark.parametrize(("probe", "expected"), [("holder", False), ("token", True)])
    def test_revoking_a_token_locks_the_token_and_not_its_holder(self, monkeypatch, probe,
                                                                 expected):
        holder = make_person("ann.t", Role.ANNOTATOR)
        token, _ = api_token_issue(user=holder)
        rows = {"holder": lambda: get_user_model().objects.select_for_update(nowait=True).get(
                    pk=holder.pk),
                "token": lambda: ApiToken.objects.select_for_update(nowait=True).get(
                    pk=token.pk)}

        locked = is_locked_while(
            lambda: api_token_revoke(actor=holder, token_id=token.pk),
            monkeypatch, "annotators.services.accounts._revoke", rows[probe])

        assert locked is expected
        assert not ApiToken.objects.filter(pk=token.pk).exists()
