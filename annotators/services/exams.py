"""Exam attempts: drawn at random per ability, timed on the server, graded per ability."""

import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict, NotFound
from config.transactions import transaction_required

from ..models import (
    Ability,
    AttemptAnswer,
    Credential,
    CredentialPolicy,
    Exam,
    ExamAttempt,
    Question,
    TrainingRecord,
)
from ..selectors import exam_shortfalls
from .common import WorkforceInvalid
from .credentials import credential_issue_for
from .locks import attempt_qs_select_for_update

_draw = random.SystemRandom()


class AttemptRefused(Conflict):
    code = "attempt_refused"


class AttemptNotFound(NotFound):
    code = "attempt_not_found"


class AnswerInvalid(WorkforceInvalid):
    code = "answer_invalid"


class QuestionNotInAttempt(WorkforceInvalid):
    code = "question_not_in_attempt"


def attempt_start(*, user: AbstractBaseUser, kind: str) -> ExamAttempt:
    """Start an exam attempt for a credential kind, or return the one in progress.

    An attempt in progress whose time ran out is graded first, and that grade is committed
    before anything else is decided, so it stands even when the new attempt is refused.

    :raises AttemptRefused: without an exam for the kind, without the required training,
        past the allowed attempts, within the cool-down, within the waiting period after a
        revocation, or while the exam passes below the floor or has too few active questions
        for an ability.
    """
    now = timezone.now()
    _grade_overdue(user=user, kind=kind, now=now)
    return _attempt_open(user=user, kind=kind, now=now)


@transaction.atomic(durable=True)
def _grade_overdue(*, user: AbstractBaseUser, kind: str, now: datetime) -> None:
    overdue = attempt_qs_select_for_update().select_related("exam").filter(
        user=user, credential_kind=kind, status=ExamAttempt.Status.IN_PROGRESS,
        deadline_at__lt=now)
    for attempt in overdue:
        _grade(attempt, at=attempt.deadline_at)


@transaction.atomic(durable=True)
def _attempt_open(*, user: AbstractBaseUser, kind: str, now: datetime) -> ExamAttempt:
    policy = CredentialPolicy.objects.select_related("exam", "course").filter(kind=kind).first()
    if policy is None or policy.exam is None or policy.course is None:
        raise AttemptRefused("No exam leads to this credential yet; ask a manager.")
    # Anything still in progress was not overdue at ``now``: _grade_overdue graded the rest.
    current = ExamAttempt.objects.filter(user=user, credential_kind=kind,
                                         status=ExamAttempt.Status.IN_PROGRESS).first()
    if current is not None:
        return current
    _refuse_unless_eligible(user=user, policy=policy, now=now)
    exam = policy.exam
    _refuse_unless_ready(exam)
    drawn = _draw_questions(exam)
    try:
        with transaction.atomic():
            attempt = ExamAttempt.objects.create(
                user=user, exam=exam, credential_kind=kind, question_ids=drawn, started_at=now,
                deadline_at=now + timedelta(minutes=exam.time_limit_minutes))
    except IntegrityError:
        raise AttemptRefused("An attempt is already in progress.") from None
    record_event(actor=user, action="exam.attempt_started", target=attempt,
                 data={"exam_id": exam.pk, "kind": kind, "questions": len(drawn)})
    return attempt


def _refuse_unless_eligible(*, user: AbstractBaseUser, policy: CredentialPolicy,
                            now: datetime) -> None:
    """Refuse a person who may not sit the policy's exam now: untrained, waiting after a
    revocation, out of attempts, or within the cool-down."""
    completed = _latest_completion(user_id=user.pk, course_id=policy.course_id)
    if completed is None:
        raise AttemptRefused(f"Complete the course {policy.course.title!r} before the exam.")
    revoked_at = (Credential.objects.filter(user=user, kind=policy.kind,
                                            status=Credential.Status.REVOKED)
                  .order_by("-revoked_at").values_list("revoked_at", flat=True).first())
    if revoked_at is not None:
        opens = revoked_at + timedelta(days=policy.revocation_wait_days)
        if now < opens:
            raise AttemptRefused(f"After a revocation the exam opens again on "
                                 f"{timezone.localtime(opens):%Y-%m-%d}.")
        if completed < revoked_at:
            raise AttemptRefused("After a revocation, complete the whole course again first.")
    earlier = ExamAttempt.objects.filter(user=user, credential_kind=policy.kind,
                                         started_at__gte=completed)
    if earlier.count() >= policy.max_attempts:
        raise AttemptRefused(f"You have used all {policy.max_attempts} attempts allowed after "
                             "your last training; complete the course again to try again.")
    last = earlier.order_by("-started_at").first()
    if last is not None:
        opens = (last.submitted_at or last.deadline_at) + timedelta(hours=policy.cooldown_hours)
        if now < opens:
            raise AttemptRefused(f"Wait until {timezone.localtime(opens):%Y-%m-%d %H:%M} "
                                 "before the next attempt.")


def _latest_completion(*, user_id: int, course_id: int) -> datetime | None:
    return (TrainingRecord.objects.filter(user_id=user_id, course_id=course_id,
                                          completed_at__isnull=False)
            .order_by("-completed_at").values_list("completed_at", flat=True).first())


def _refuse_unless_ready(exam: Exam) -> None:
    floor = settings.EXAM_PASS_MARK_FLOOR
    low = [ability.label.lower() for ability in Ability if exam.pass_mark_for(ability) < floor]
    if low or exam.overall_pass_mark < floor:
        raise AttemptRefused(
            f"Exam {exam.title!r} passes below the floor of {floor}% "
            f"({', '.join(low) or 'overall'}), so it cannot be taken; ask a manager to raise "
            "its pass marks.", detail={"exam": [f"Pass marks below {floor}%."]})
    if exam.questions_per_ability < 1:
        raise AttemptRefused(f"Exam {exam.title!r} draws no questions, so it cannot be taken "
                             "yet; ask a manager to set how many it draws per ability.")
    if shortfalls := exam_shortfalls(exam=exam):
        raise AttemptRefused(
            "This exam cannot be taken yet: "
            + "; ".join(shortfall.describe() for shortfall in shortfalls)
            + ". Ask a manager to add questions.",
            detail={"exam": [str(shortfall) for shortfall in shortfalls]})


def _draw_questions(exam: Exam) -> list[int]:
    """Draw the exam's number of active questions at random for each ability, shuffled
    together. The exam is ready: every ability has enough of them."""
    pools: dict[str, list[int]] = {ability: [] for ability in Ability.values}
    for ability, question_id in (exam.questions.filter(active=True).order_by("pk")
                                 .values_list("ability", "pk")):
        pools[ability].append(question_id)
    drawn = [question_id for pool in pools.values()
             for question_id in _draw.sample(pool, exam.questions_per_ability)]
    _draw.shuffle(drawn)
    return drawn


def _lock_own_attempt(*, user: AbstractBaseUser, attempt_id: int) -> ExamAttempt:
    # Only the attempt's row (the helper locks no joined row): locking its exam too would
    # queue every candidate of that exam, and every new question for it, behind each answer.
    attempt = (attempt_qs_select_for_update().select_related("exam")
               .filter(pk=attempt_id, user=user).first())
    if attempt is None:
        raise AttemptNotFound(f"You have no exam attempt {attempt_id}.")
    return attempt


def _valid_response(question: Question, response: Any) -> list:
    if not isinstance(response, list):
        raise AnswerInvalid("An answer is a list: option indexes, or risk codes.")
    if question.kind == Question.Kind.PRACTICAL:
        if not all(isinstance(code, str) and len(code) <= 8 for code in response):
            raise AnswerInvalid("A practical answer lists risk codes such as A.1.a.")
        return sorted(set(response))
    if not all(isinstance(i, int) and 0 <= i < len(question.options) for i in response):
        raise AnswerInvalid("Choose among the question's options.")
    if question.kind == Question.Kind.SINGLE and len(response) > 1:
        raise AnswerInvalid("Choose one option.")
    return sorted(set(response))


def attempt_answer(*, user: AbstractBaseUser, attempt_id: int, question_id: int,
                   response: Any) -> AttemptAnswer:
    """Save (or change) an answer while the attempt is open and within its time.

    An answer after the time limit grades the attempt with the answers given before it; the
    grade is committed, then the answer is refused.

    :raises AttemptNotFound: if the user has no such attempt.
    :raises AttemptRefused: after the time limit or once submitted.
    :raises QuestionNotInAttempt: for a question the attempt did not draw.
    :raises AnswerInvalid: for an answer malformed for its question.
    """
    answer = _answer_or_grade(user=user, attempt_id=attempt_id, question_id=question_id,
                              response=response)
    if answer is None:
        raise AttemptRefused("Time is up: the attempt was graded with the answers given "
                             "before the limit.")
    return answer


@transaction.atomic(durable=True)
def _answer_or_grade(*, user: AbstractBaseUser, attempt_id: int, question_id: int,
                     response: Any) -> AttemptAnswer | None:
    """Save the answer, or grade an overdue attempt and return None: raising here would roll
    the grade back with the rest of the transaction."""
    attempt = _lock_own_attempt(user=user, attempt_id=attempt_id)
    if attempt.status != ExamAttempt.Status.IN_PROGRESS:
        raise AttemptRefused("This attempt is submitted; answers can no longer change.")
    now = timezone.now()
    if now > attempt.deadline_at:
        _grade(attempt, at=attempt.deadline_at)
        return None
    if question_id not in attempt.question_ids:
        raise QuestionNotInAttempt("That question is not part of this attempt.",
                                   detail={"question": ["Not a question of this attempt."]})
    question = Question.objects.get(pk=question_id)
    answer, _ = AttemptAnswer.objects.update_or_create(
        attempt=attempt, question=question,
        defaults={"response": _valid_response(question, response), "answered_at": now})
    return answer


def question_score(*, question: Question, response: list) -> Decimal:
    """Score one answer from 0 to 1: exact for choices, partial credit for practical ones."""
    key = question.key
    if question.kind == Question.Kind.PRACTICAL:
        expected, given = set(key), set(response)
        if not expected and not given:
            return Decimal(1)
        return Decimal(len(expected & given)) / Decimal(len(expected | given))
    return Decimal(1) if sorted(response) == sorted(key) else Decimal(0)


def _percent(value: Decimal) -> Decimal:
    return (value * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction_required
def _grade(attempt: ExamAttempt, *, at: datetime) -> ExamAttempt:
    """Grade a locked attempt as submitted at ``at``; unanswered questions score zero."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    answers = {a.question_id: a for a in attempt.answers.filter(answered_at__lte=at)}
    per_ability: dict[str, list[Decimal]] = {ability: [] for ability in Ability.values}
    for question_id in attempt.question_ids:
        question = questions[question_id]
        answer = answers.get(question_id)
        score = question_score(question=question, response=answer.response) if answer \
            else Decimal(0)
        if answer:
            answer.score = score
            answer.save(update_fields=["score"])
        per_ability[question.ability].append(score)
    exam = attempt.exam
    ability_scores = {}
    for ability, scores in per_ability.items():
        percent = _percent(sum(scores, Decimal(0)) / len(scores)) if scores else Decimal(0)
        mark = exam.pass_mark_for(ability)
        ability_scores[ability] = {"score": str(percent), "pass_mark": mark,
                                   "passed": percent >= mark, "questions": len(scores)}
    all_scores = [s for scores in per_ability.values() for s in scores]
    # An attempt drawn from an exam that drew no questions holds none: it fails, never passes.
    overall = _percent(sum(all_scores, Decimal(0)) / len(all_scores)) if all_scores \
        else Decimal(0)
    attempt.ability_scores = ability_scores
    attempt.overall_score = overall
    attempt.passed = (bool(all_scores) and overall >= exam.overall_pass_mark
                      and all(entry["passed"] for entry in ability_scores.values()))
    attempt.submitted_at = at
    attempt.status = ExamAttempt.Status.GRADED
    attempt.save(update_fields=["ability_scores", "overall_score", "passed", "submitted_at",
                                "status"])
    record_event(actor=None, action="exam.attempt_graded", target=attempt,
                 data={"user_id": attempt.user_id, "passed": attempt.passed,
                       "overall": str(overall),
                       "abilities": {k: v["score"] for k, v in ability_scores.items()}})
    if attempt.passed:
        credential_issue_for(attempt)
    return attempt


@transaction.atomic(durable=True)
def attempt_submit(*, user: AbstractBaseUser, attempt_id: int) -> ExamAttempt:
    """Submit and grade; a late submission is graded as submitted at the time limit, and a
    graded attempt is returned as it is.

    :raises AttemptNotFound: if the user has no such attempt.
    """
    attempt = _lock_own_attempt(user=user, attempt_id=attempt_id)
    if attempt.status != ExamAttempt.Status.IN_PROGRESS:
        return attempt
    return _grade(attempt, at=min(timezone.now(), attempt.deadline_at))


def attempt_grade_if_due(*, attempt: ExamAttempt) -> bool:
    """Grade an attempt whose time ran out unsubmitted; say whether it is graded now (the
    instance is refreshed when it was graded here)."""
    if attempt.status != ExamAttempt.Status.IN_PROGRESS:
        return True
    if timezone.now() <= attempt.deadline_at:
        return False
    _grade_if_still_open(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return True


@transaction.atomic(durable=True)
def _grade_if_still_open(*, attempt_id: int) -> None:
    locked = attempt_qs_select_for_update().select_related("exam").get(pk=attempt_id)
    if locked.status == ExamAttempt.Status.IN_PROGRESS:
        _grade(locked, at=locked.deadline_at)
