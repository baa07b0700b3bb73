"""Managers' set-up: courses and their modules, exams and their questions, and policies."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from audit.services import record_event
from config.errors import full_clean_or_raise
from rules.models import RiskCategory

from ..models import Ability, Course, CredentialPolicy, Exam, Module, Question, Topic
from .common import WorkforceInvalid, require_workforce_manager

POLICY_FIELDS = {"course", "exam", "validity_days", "retraining_interval_days",
                 "reassessment_interval_days", "grace_days", "max_attempts", "cooldown_hours",
                 "revocation_wait_days", "expiry_notice_days"}


def _clean(instance, **kwargs) -> None:
    full_clean_or_raise(instance, WorkforceInvalid, **kwargs)


def missing_topics(course: Course) -> list[str]:
    """The mandated topics no module of ``course`` covers, as labels."""
    covered = set(course.modules.values_list("topic", flat=True))
    return [label for value, label in Topic.choices if value not in covered]


def exam_shortfalls(exam: Exam) -> list[str]:
    """Abilities whose active questions are fewer than an attempt draws."""
    problems = []
    for value, label in Ability.choices:
        count = exam.questions.filter(ability=value, active=True).count()
        if count < exam.questions_per_ability:
            problems.append(f"{label}: {count} question(s), an attempt draws "
                            f"{exam.questions_per_ability}")
    return problems


@transaction.atomic(durable=True)
def course_create(*, actor: AbstractBaseUser, title: str, description: str = "") -> Course:
    require_workforce_manager(actor)
    course = Course(title=title, description=description)
    _clean(course)
    course.save()
    record_event(actor=actor, action="course.created", target=course, data={"title": title})
    return course


@transaction.atomic(durable=True)
def module_add(*, actor: AbstractBaseUser, course_id: int, title: str, topic: str, body: str,
               rule_version_id: int | None = None) -> Module:
    """Append a module to a course; the course's version goes up."""
    require_workforce_manager(actor)
    course = Course.objects.select_for_update().get(pk=course_id)
    position = (course.modules.aggregate(last=Max("position"))["last"] or 0) + 1
    module = Module(course=course, position=position, title=title, topic=topic, body=body,
                    rule_version_id=rule_version_id)
    _clean(module, exclude=["course"])
    module.save()
    course.version += 1
    course.save(update_fields=["version"])
    record_event(actor=actor, action="course.module_added", target=course,
                 data={"module_id": module.pk, "topic": topic, "version": course.version})
    return module


@transaction.atomic(durable=True)
def exam_create(*, actor: AbstractBaseUser, title: str, **settings: Any) -> Exam:
    require_workforce_manager(actor)
    exam = Exam(title=title, **settings)
    _clean(exam)
    exam.save()
    record_event(actor=actor, action="exam.created", target=exam, data={"title": title})
    return exam


def _question_problems(kind: str, options: list, key: list) -> list[str]:
    if kind == Question.Kind.PRACTICAL:
        codes = set(RiskCategory.objects.values_list("code", flat=True))
        if not all(isinstance(code, str) and code in codes for code in key):
            return ["The key of a practical question lists risk codes (A.1.a … A.5.b)."]
        return []
    problems = []
    if len(options) < 2:
        problems.append("A choice question needs at least two options.")
    if not key or not all(isinstance(i, int) and 0 <= i < len(options) for i in key):
        problems.append("The key lists the indexes of the correct options.")
    if kind == Question.Kind.SINGLE and len(key) != 1:
        problems.append("A single-choice question has exactly one correct option.")
    return problems


@transaction.atomic(durable=True)
def question_add(*, actor: AbstractBaseUser, exam_id: int, ability: str, kind: str,
                 prompt: str, options: list | None = None, key: list | None = None,
                 sample_text: str = "", sample_image=None, explanation: str = "") -> Question:
    require_workforce_manager(actor)
    options, key = options or [], key or []
    if problems := _question_problems(kind, options, key):
        raise WorkforceInvalid(" ".join(problems), detail={"key": problems})
    question = Question(exam_id=exam_id, ability=ability, kind=kind, prompt=prompt,
                        options=options, key=key, sample_text=sample_text,
                        explanation=explanation)
    if sample_image is not None:
        question.sample_image = sample_image
    _clean(question, exclude=["exam"])
    question.save()
    record_event(actor=actor, action="exam.question_added", target=question,
                 data={"exam_id": exam_id, "ability": ability, "kind": kind})
    return question


@transaction.atomic(durable=True)
def policy_update(*, actor: AbstractBaseUser, kind: str,
                  changes: dict[str, Any]) -> CredentialPolicy:
    """Change a credential kind's policy.

    :raises WorkforceInvalid: if the course misses a mandated topic, the exam lacks questions
        for an ability, or a value is invalid.
    """
    require_workforce_manager(actor)
    unknown = sorted(set(changes) - POLICY_FIELDS)
    if unknown:
        raise WorkforceInvalid(f"Unknown policy fields: {', '.join(unknown)}.")
    policy = CredentialPolicy.objects.select_for_update().get(kind=kind)
    for name, value in changes.items():
        setattr(policy, name, value)
    if policy.course is not None and (gaps := missing_topics(policy.course)):
        raise WorkforceInvalid(
            f"The course {policy.course.title!r} cannot be required: it has no module on "
            f"{', '.join(gaps)}.", detail={"course": gaps})
    if policy.exam is not None and (gaps := exam_shortfalls(policy.exam)):
        raise WorkforceInvalid(
            f"The exam {policy.exam.title!r} cannot be required: " + "; ".join(gaps) + ".",
            detail={"exam": gaps})
    _clean(policy)
    policy.save()
    record_event(actor=actor, action="policy.updated", target=policy,
                 data={name: getattr(value, "pk", value) for name, value in changes.items()})
    return policy
