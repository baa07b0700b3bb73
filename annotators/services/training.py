"""Workers read a course's modules in order; the server times each one."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict, NotFound

from ..models import Course, Module, ModuleProgress, TrainingRecord
from .credentials import retraining_completed
from .locks import module_progress_qs_select_for_update, training_record_qs_select_for_update
from .setup import CourseNotFound


class TrainingOutOfOrder(Conflict):
    code = "training_out_of_order"


class ModuleNotFound(NotFound):
    code = "module_not_found"


@transaction.atomic(durable=True)
def training_start(*, user: AbstractBaseUser, course_id: int) -> TrainingRecord:
    """Start (or resume) reading a course; a finished course is started afresh.

    :raises CourseNotFound: if there is no such course.
    :raises TrainingOutOfOrder: if the course has no modules.
    """
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise CourseNotFound(f"There is no course {course_id}.")
    if not course.modules.exists():
        raise TrainingOutOfOrder(f"Course {course_id} has no modules to read.")
    record = training_record_qs_select_for_update().filter(
        user=user, course=course, completed_at__isnull=True).first()
    if record is None:
        record = TrainingRecord.objects.create(user=user, course=course,
                                               course_version=course.version,
                                               started_at=timezone.now())
        record_event(actor=user, action="training.started", target=record,
                     data={"course_id": course.pk, "course_version": course.version})
    return record


def _module(module_id: int) -> Module:
    module = Module.objects.select_related("course").filter(pk=module_id).first()
    if module is None:
        raise ModuleNotFound(f"There is no module {module_id}.")
    return module


def _open_record(*, user: AbstractBaseUser, module: Module) -> TrainingRecord:
    record = training_record_qs_select_for_update().filter(
        user=user, course_id=module.course_id, completed_at__isnull=True).first()
    if record is None:
        raise TrainingOutOfOrder(f"Start the course {module.course.title!r} first.")
    unconfirmed = module.course.modules.filter(position__lt=module.position).exclude(
        pk__in=record.progress.filter(confirmed_at__isnull=False).values("module_id"))
    if first := unconfirmed.order_by("position").first():
        raise TrainingOutOfOrder(f"Read and confirm module {first.position} "
                                 f"({first.title!r}) first.")
    return record


@transaction.atomic(durable=True)
def training_open_module(*, user: AbstractBaseUser, module_id: int) -> ModuleProgress:
    """Record that the worker opened a module; the clock for it starts now.

    :raises ModuleNotFound: if there is no such module.
    :raises TrainingOutOfOrder: before the course is started or an earlier module confirmed.
    """
    module = _module(module_id)
    record = _open_record(user=user, module=module)
    progress, _ = ModuleProgress.objects.get_or_create(
        record=record, module=module, defaults={"opened_at": timezone.now()})
    return progress


@transaction.atomic(durable=True)
def training_confirm_module(*, user: AbstractBaseUser, module_id: int) -> ModuleProgress:
    """Confirm a module as read, timing it on the server; the last one completes the course.

    :raises ModuleNotFound: if there is no such module.
    :raises TrainingOutOfOrder: before the module is opened or an earlier one confirmed.
    """
    module = _module(module_id)
    record = _open_record(user=user, module=module)
    progress = module_progress_qs_select_for_update().filter(record=record,
                                                            module=module).first()
    if progress is None:
        raise TrainingOutOfOrder(f"Open module {module.position} before confirming it.")
    if progress.confirmed_at is not None:
        return progress
    now = timezone.now()
    progress.confirmed_at = now
    progress.seconds_spent = int((now - progress.opened_at).total_seconds())
    progress.save(update_fields=["confirmed_at", "seconds_spent"])
    record.seconds_spent += progress.seconds_spent
    remaining = module.course.modules.exclude(
        pk__in=record.progress.filter(confirmed_at__isnull=False).values("module_id"))
    if not remaining.exists():
        record.completed_at = now
        record.save(update_fields=["seconds_spent", "completed_at"])
        record_event(actor=user, action="training.completed", target=record,
                     data={"course_id": module.course_id, "seconds": record.seconds_spent})
        retraining_completed(user_id=user.pk, course_id=module.course_id)
    else:
        record.save(update_fields=["seconds_spent"])
    return progress
