"""Managers' set-up: courses and their modules, exams and their questions, and policies."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from audit.services import record_event
from config.errors import NotFound
from rules.models import RiskCategory

from ..models import Course, CredentialPolicy, Exam, Module, Question
from ..selectors import course_missing_topics, exam_shortfalls
from .common import WorkforceInvalid, clean_or_refuse, require_workforce_manager
from .locks import course_qs_select_for_update, policy_qs_select_for_update

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


class CourseInvalid(WorkforceInvalid):
    code = "course_invalid"


class ModuleInvalid(WorkforceInvalid):
    code = "module_invalid"


class ExamInvalid(WorkforceInvalid):
    code = "exam_invalid"


class QuestionInvalid(WorkforceInvalid):
    code = "question_invalid"


class QuestionKeyInvalid(WorkforceInvalid):
    code = "question_key_invalid"


class PolicyInvalid(WorkforceInvalid):
    code = "policy_invalid"


class PolicyFieldUnknown(WorkforceInvalid):
    code = "policy_field_unknown"


class CourseMissingTopics(WorkforceInvalid):
    code = "course_missing_topics"


@transaction.atomic(durable=True)
def course_create(*, actor: AbstractBaseUser, title: str, description: str = "") -> Course:
    """Create a course; add its modules next.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises CourseInvalid: if the title is taken or a value is invalid.
    """
    require_workforce_manager(actor=actor)
    course = Course(title=title, description=description)
    clean_or_refuse(instance=course, error=CourseInvalid)
    course.save()
    record_event(actor=actor, action="course.created", target=course, data={"title": title})
    return course


@transaction.atomic(durable=True)
def module_add(*, actor: AbstractBaseUser, course_id: int, title: str, topic: str, body: str,
               rule_version_id: int | None = None) -> Module:
    """Append a module to a course; the course's version goes up.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises CourseNotFound: if there is no such course.
    :raises ModuleInvalid: if a value is invalid.
    """
    require_workforce_manager(actor=actor)
    course = course_qs_select_for_update().filter(pk=course_id).first()
    if course is None:
        raise CourseNotFound(f"There is no course {course_id}.")
    position = (course.modules.aggregate(last=Max("position"))["last"] or 0) + 1
    module = Module(course=course, position=position, title=title, topic=topic, body=body,
                    rule_version_id=rule_version_id)
    clean_or_refuse(instance=module, error=ModuleInvalid, exclude=["course"])
    module.save()
    course.version += 1
    course.save(update_fields=["version"])
    record_event(actor=actor, action="course.module_added", target=course,
                 data={"module_id": module.pk, "topic": topic, "version": course.version})
    return module


@transaction.atomic(durable=True)
def exam_create(*, actor: AbstractBaseUser, title: str, **settings: Any) -> Exam:
    """Create an exam; add its questions next.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ExamInvalid: if a value is out of bounds, a pass mark below
        ``settings.EXAM_PASS_MARK_FLOOR`` among them.
    """
    require_workforce_manager(actor=actor)
    exam = Exam(title=title, **settings)
    clean_or_refuse(instance=exam, error=ExamInvalid)
    exam.save()
    record_event(actor=actor, action="exam.created", target=exam, data={"title": title})
    return exam


def _question_problems(*, kind: str, options: list, key: list) -> list[str]:
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

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ExamNotFound: if there is no such exam.
    :raises QuestionKeyInvalid: if the key or the options do not fit the kind of question.
    :raises QuestionInvalid: if another value is invalid.
    """
    require_workforce_manager(actor=actor)
    if not Exam.objects.filter(pk=exam_id).exists():
        raise ExamNotFound(f"There is no exam {exam_id}.")
    options, key = options or [], key or []
    if problems := _question_problems(kind=kind, options=options, key=key):
        raise QuestionKeyInvalid(" ".join(problems), detail={"key": problems})
    question = Question(exam_id=exam_id, ability=ability, kind=kind, prompt=prompt,
                        options=options, key=key, sample_text=sample_text,
                        explanation=explanation)
    if sample_image is not None:
        question.sample_image = sample_image
    clean_or_refuse(instance=question, error=QuestionInvalid, exclude=["exam"])
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
    problems.extend(str(shortfall) for shortfall in exam_shortfalls(exam=exam))
    return problems


@transaction.atomic(durable=True)
def policy_update(*, actor: AbstractBaseUser, kind: str,
                  changes: dict[str, Any]) -> CredentialPolicy:
    """Change a credential kind's policy.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises PolicyFieldUnknown: for a change to a field that is not a policy's.
    :raises PolicyNotFound: if there is no policy for ``kind``.
    :raises CourseMissingTopics: if the course has no module on a mandated topic.
    :raises ExamNotReady: if the exam lacks active questions for an ability, or its own
        settings are out of bounds.
    :raises PolicyInvalid: for a value out of bounds (intervals and notice longer than the
        validity among them).
    """
    require_workforce_manager(actor=actor)
    unknown = sorted(set(changes) - POLICY_FIELDS)
    if unknown:
        raise PolicyFieldUnknown(f"Unknown policy fields: {', '.join(unknown)}.",
                                 detail={name: ["Not a policy field."] for name in unknown})
    policy = policy_qs_select_for_update().filter(kind=kind).first()
    if policy is None:
        raise PolicyNotFound(f"There is no credential policy {kind!r}.")
    for name, value in changes.items():
        setattr(policy, name, value)
    if policy.course is not None and (gaps := course_missing_topics(course=policy.course)):
        message = (f"The course {policy.course.title!r} cannot be required: it has no module "
                   f"on {', '.join(gaps)}.")
        raise CourseMissingTopics(message, detail={"course": [message]})
    if policy.exam is not None and (problems := _exam_problems(policy.exam)):
        raise ExamNotReady(" ".join(problems), detail={"exam": problems})
    clean_or_refuse(instance=policy, error=PolicyInvalid)
    policy.save()
    record_event(actor=actor, action="policy.updated", target=policy,
                 data={name: getattr(value, "pk", value) for name, value in changes.items()})
    return policy
