"""Reads of exams: the exams and their pools, attempts and the questions drawn for them."""

import mimetypes
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ..models import Ability, AttemptAnswer, Exam, ExamAttempt, Question
from .roles import can_manage_workforce


@dataclass(frozen=True)
class ExamShortfall:
    """An ability for which an exam has fewer active questions than an attempt draws."""

    exam_title: str
    ability: str
    active: int
    draws: int

    @property
    def missing(self) -> int:
        return self.draws - self.active

    def describe(self) -> str:
        label = Ability(self.ability).label
        noun = "question" if self.active == 1 else "questions"
        return (f"Exam {self.exam_title!r} has {self.active} active {noun} for "
                f"{label[0].lower()}{label[1:]} but draws {self.draws}")

    def __str__(self) -> str:
        return f"{self.describe()}; add {self.missing} more before using it."


def _active_question_counts() -> dict[str, Count]:
    return {f"active_questions_{ability}": Count(
        "questions", filter=Q(questions__ability=ability, questions__active=True))
        for ability in Ability.values}


def exam_list() -> QuerySet[Exam]:
    """Every exam by title, each counting its active questions per ability in the same query,
    so that ``exam_shortfalls`` of a listed exam asks nothing more."""
    return Exam.objects.annotate(**_active_question_counts()).order_by("title")


def exam_get(*, exam_id: int) -> Exam:
    """An exam, counting its active questions per ability as ``exam_list`` does.

    :raises Http404: if there is no such exam.
    """
    exam = exam_list().filter(pk=exam_id).first()
    if exam is None:
        raise Http404("No such exam.")
    return exam


def exam_shortfalls(*, exam: Exam) -> list[ExamShortfall]:
    """The abilities for which ``exam`` has fewer active questions than an attempt draws."""
    names = {ability: f"active_questions_{ability}" for ability in Ability.values}
    if all(hasattr(exam, name) for name in names.values()):
        counts = {ability: getattr(exam, name) for ability, name in names.items()}
    else:
        counts = dict(exam.questions.filter(active=True).order_by().values_list("ability")
                      .annotate(count=Count("pk")))
    return [ExamShortfall(exam_title=exam.title, ability=ability,
                          active=counts.get(ability, 0), draws=exam.questions_per_ability)
            for ability in Ability.values
            if counts.get(ability, 0) < exam.questions_per_ability]


def exam_question_list(*, exam: Exam, by_ability: bool = False) -> QuerySet[Question]:
    """An exam's question pool, keys included (for managers): in the order they were added,
    or grouped by ability."""
    return exam.questions.order_by(*(("ability", "pk") if by_ability else ("pk",)))


def attempt_list_for_actor(*, actor: AbstractBaseUser,
                           user_id: int | None = None) -> QuerySet[ExamAttempt]:
    """Attempts the actor may see, latest first: their own, or everyone's (or ``user_id``'s)
    for managers."""
    attempts = ExamAttempt.objects.select_related("exam", "user").order_by("-started_at")
    if not can_manage_workforce(user=actor):
        return attempts.filter(user_id=actor.pk)
    return attempts.filter(user_id=user_id) if user_id else attempts


def attempt_get_for_actor(*, actor: AbstractBaseUser, attempt_id: int) -> ExamAttempt:
    """An attempt the actor may see.

    :raises Http404: if there is none, or it is someone else's and the actor no manager.
    """
    attempt = attempt_list_for_actor(actor=actor).filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404("No such exam attempt.")
    return attempt


def attempt_questions(attempt: ExamAttempt) -> list[tuple[Question, AttemptAnswer | None]]:
    """The attempt's questions in drawn order, each with the answer given so far."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    answers = {a.question_id: a for a in attempt.answers.all()}
    return [(questions[pk], answers.get(pk)) for pk in attempt.question_ids]


def attempt_answered_count(*, attempt: ExamAttempt) -> int:
    """How many of the attempt's questions have a non-empty answer."""
    return attempt.answers.exclude(response=[]).count()


def question_image_get(*, user: AbstractBaseUser, question_id: int) -> tuple[Question, str]:
    """A question's sample image and its content type, for someone who may see it: a manager,
    or a worker it was drawn for.

    :raises Http404: if there is no such question, it has no image that is one, or the user
        may not see it (the three are not told apart).
    """
    question = Question.objects.filter(pk=question_id).first()
    if question is None or not question.sample_image or not _question_visible_to(
            user=user, question_id=question.pk):
        raise Http404("No such image.")
    content_type = mimetypes.guess_type(question.sample_image.name)[0] or ""
    if not content_type.startswith("image/"):
        raise Http404("No such image.")
    return question, content_type


def _question_visible_to(*, user: AbstractBaseUser, question_id: int) -> bool:
    """Managers see every question; a worker only those drawn into their own attempts."""
    if can_manage_workforce(user=user):
        return True
    drawn = ExamAttempt.objects.filter(user_id=user.pk).values_list("question_ids", flat=True)
    return any(question_id in ids for ids in drawn)
