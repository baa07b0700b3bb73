"""Managers' set-up: courses and their modules, exams and their questions, and policies."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from audit.services import record_event
from config.errors import NotFound
from rules.models import RiskCategory

from ..models import Course, CredentialPolicy, Exam, Module, Question, Topic
from ..selectors import exam_shortfalls
from .common import WorkforceInvalid, clean_or_refuse, require_workforce_manager

POLICY_FIELDS = {"course", "exam", "validity_days", "retraining_interval_days",
                 "reassessment_interval_days", "grace_days", "max_attempts", "cooldown_hours",
                 "revocation_wait_days", "expiry_notice_days"}


class CourseNotFound(NotFound):
    code = "course_not_found"


class ExamNotFound(NotFound):
    code = "exam_not_found"


class PolicyNotFound(NotFound):
    code = "policy_not_found"


class ExamNotReady(WorkforceInvalid):
    code = "exam_not_ready"


def missing_topics(course: Course) -> list[str]:
    """The mandated topics no module of ``course`` covers, as labels."""
    covered = set(course.modules.values_list("topic", flat=True))
    return [label for value, label in Topic.choices if value not in covered]


@transaction.atomic(durable=True)
def course_create(*, actor: AbstractBaseUser, title: str, description: str = "") -> Course:
    require_workforce_manager(actor)
    course = Course(title=title, description=description)
    clean_or_refuse(course)
    course.save()
    record_event(actor=actor, action="course.created", target=course, data={"title": title})
    return course


@transaction.atomic(durable=True)
def module_add(*, actor: AbstractBaseUser, course_id: int, title: str, topic: str, body: str,
               rule_version_id: int | None = None) -> Module:
    """Append a module to a course; the course's version goes up.

    :raises CourseNotFound: if there is no such course.
    :raises WorkforceInvalid: if a value is invalid.
    """
    require_workforce_manager(actor)
    course = Course.objects.select_for_update().filter(pk=course_id).first()
    if course is None:
        raise CourseNotFound(f"There is no course {course_id}.")
    position = (course.modules.aggregate(last=Max("position"))["last"] or 0) + 1
    module = Module(course=course, position=position, title=title, topic=topic, body=body,
                    rule_version_id=rule_version_id)
    clean_or_refuse(module, exclude=["course"])
    module.save()
    course.version += 1
    course.save(update_fields=["version"])
    record_event(actor=actor, action="course.module_added", target=course,
                 data={"module_id": module.pk, "topic": topic, "version": course.version})
    return module


@transaction.atomic(durable=True)
def exam_create(*, actor: AbstractBaseUser, title: str, **settings: Any) -> Exam:
    """Create an exam; add its questions next.

    :raises WorkforceInvalid: if a value is out of bounds, a pass mark below
        ``settings.EXAM_PASS_MARK_FLOOR`` among them.
    """
    require_workforce_manager(actor)
    exam = Exam(title=title, **settings)
    clean_or_refuse(exam)
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
    """Add a question to an exam's pool.

    :raises ExamNotFound: if there is no such exam.
    :raises WorkforceInvalid: if the key does not fit the question or a value is invalid.
    """
    require_workforce_manager(actor)
    if not Exam.objects.filter(pk=exam_id).exists():
        raise ExamNotFound(f"There is no exam {exam_id}.")
    options, key = options or [], key or []
    if problems := _question_problems(kind, options, key):
        raise WorkforceInvalid(" ".join(problems), detail={"key": problems})
    question = Question(exam_id=exam_id, ability=ability, kind=kind, prompt=prompt,
                        options=options, key=key, sample_text=sample_text,
                        explanation=explanation)
    if sample_image is not None:
        question.sample_image = sample_image
    clean_or_refuse(question, exclude=["exam"])
    question.save()
    record_event(actor=actor, action="exam.question_added", target=question,
                 data={"exam_id": exam_id, "ability": ability, "kind": kind})
    return question


def _exam_problems(exam: Exam) -> list[str]:
    """What keeps ``exam`` from being required: settings out of today's bounds (an exam made
    before them), and abilities with too few active questions."""
    problems = []
    try:
        exam.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            label = Exam._meta.get_field(name).verbose_name
            problems.extend(f"Exam {exam.title!r}, {label}: {message}" for message in messages)
    problems.extend(str(shortfall) for shortfall in exam_shortfalls(exam))
    return problems


@transaction.atomic(durable=True)
def policy_update(*, actor: AbstractBaseUser, kind: str,
                  changes: dict[str, Any]) -> CredentialPolicy:
    """Change a credential kind's policy.

    :raises PolicyNotFound: if there is no policy for ``kind``.
    :raises ExamNotReady: if the exam lacks active questions for an ability, or its own
        settings are out of bounds.
    :raises WorkforceInvalid: for an unknown field, a course missing a mandated topic, or a
        value out of bounds (intervals and notice longer than the validity among them).
    """
    require_workforce_manager(actor)
    unknown = sorted(set(changes) - POLICY_FIELDS)
    if unknown:
        raise WorkforceInvalid(f"Unknown policy fields: {', '.join(unknown)}.",
                               detail={name: ["Not a policy field."] for name in unknown})
    policy = CredentialPolicy.objects.select_for_update().filter(kind=kind).first()
    if policy is None:
        raise PolicyNotFound(f"There is no credential policy {kind!r}.")
    for name, value in changes.items():
        setattr(policy, name, value)
    if policy.course is not None and (gaps := missing_topics(policy.course)):
        message = (f"The course {policy.course.title!r} cannot be required: it has no module "
                   f"on {', '.join(gaps)}.")
        raise WorkforceInvalid(message, detail={"course": [message]})
    if policy.exam is not None and (problems := _exam_problems(policy.exam)):
        raise ExamNotReady(" ".join(problems), detail={"exam": problems})
    clean_or_refuse(policy)
    policy.save()
    record_event(actor=actor, action="policy.updated", target=policy,
                 data={name: getattr(value, "pk", value) for name, value in changes.items()})
    return policy
