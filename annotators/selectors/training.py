"""Reads of training: courses and their modules, and people's reading of them."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ..models import Course, CredentialPolicy, Module, ModuleProgress, Topic, TrainingRecord
from .roles import can_manage_workforce


def _modules_in_order() -> Prefetch:
    return Prefetch("modules", queryset=Module.objects.order_by("position"))


def course_list() -> QuerySet[Course]:
    """Every course by title, with its modules in order fetched in one more query."""
    return Course.objects.prefetch_related(_modules_in_order()).order_by("title")


def course_get(*, course_id: int) -> Course:
    """A course with its modules in order.

    :raises Http404: if there is no such course.
    """
    course = course_list().filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    return course


def course_missing_topics(*, course: Course) -> list[str]:
    """The mandated topics no module of ``course`` covers, as labels. Reads the modules
    fetched with the course (``course_list``) when they were."""
    covered = {module.topic for module in course.modules.all()}
    return [label for value, label in Topic.choices if value not in covered]


def module_get(*, module_id: int) -> Module:
    """A module with its course.

    :raises Http404: if there is no such module.
    """
    module = Module.objects.select_related("course").filter(pk=module_id).first()
    if module is None:
        raise Http404("No such module.")
    return module


def module_next(*, course_id: int, after_position: int = 0) -> Module | None:
    """The course's module that follows ``after_position`` (by default its first), if any."""
    return (Module.objects.filter(course_id=course_id, position__gt=after_position)
            .order_by("position").first())


@dataclass(frozen=True)
class CourseReading:
    """A person's reading of a course: the record open now, each module in order with its
    progress in that record, and the last completion."""

    course: Course
    record: TrainingRecord | None
    modules: list[tuple[Module, ModuleProgress | None]]
    completed: TrainingRecord | None


def course_reading(*, user: AbstractBaseUser, course_id: int) -> CourseReading:
    """Where ``user`` stands in a course.

    :raises Http404: if there is no such course.
    """
    course = course_get(course_id=course_id)
    records = TrainingRecord.objects.filter(user_id=user.pk, course=course)
    record = records.filter(completed_at__isnull=True).first()
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(record=record)} \
        if record else {}
    return CourseReading(
        course=course, record=record,
        modules=[(module, progress.get(module.pk)) for module in course.modules.all()],
        completed=records.filter(completed_at__isnull=False).order_by("-completed_at").first())


def training_overview(*, user: AbstractBaseUser) -> list[dict]:
    """For each course a policy requires: the kinds it leads to, and the person's progress
    (``open``: the record being read; ``completed``: the last completed one)."""
    policies = CredentialPolicy.objects.select_related("course").exclude(course=None) \
        .order_by("pk")
    by_course: dict[int, dict] = {}
    for policy in policies:
        entry = by_course.setdefault(policy.course_id, {"course": policy.course, "kinds": [],
                                                        "open": None, "completed": None})
        entry["kinds"].append(policy.get_kind_display())
    records = TrainingRecord.objects.filter(user_id=user.pk, course_id__in=by_course) \
        .order_by("completed_at", "pk")
    for record in records:
        entry = by_course[record.course_id]
        if record.completed_at is None:
            entry["open"] = entry["open"] or record
        else:
            entry["completed"] = record
    return list(by_course.values())


def training_record_list_for_actor(*, actor: AbstractBaseUser) -> QuerySet[TrainingRecord]:
    """Training records the actor may see: their own, or everyone's for managers."""
    records = TrainingRecord.objects.select_related("user", "course").order_by("-started_at")
    return records if can_manage_workforce(user=actor) else records.filter(user_id=actor.pk)
