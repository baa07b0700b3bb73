"""Workers' pages: their own overview, and reading a course module by module."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError

from .. import selectors, services


@require_GET
def my_workforce(request: HttpRequest) -> HttpResponse:
    overview = selectors.worker_overview(user=request.user)
    return render(request, "annotators/my_workforce.html", overview._asdict())


@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    reading = selectors.course_reading(user=request.user, course_id=course_id)
    return render(request, "annotators/course_detail.html", {
        "course": reading.course, "record": reading.record, "modules": reading.modules,
        "completed": reading.completed})


@require_POST
def course_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get(course_id=course_id)
    try:
        services.training_start(user=request.user, course_id=course.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=course.pk)
    first = selectors.module_next(course_id=course.pk)
    return redirect("workforce:module-detail", module_id=first.pk)


@require_GET
def module_detail(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get(module_id=module_id)
    try:
        progress = services.training_open_module(user=request.user, module_id=module.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=module.course_id)
    following = selectors.module_next(course_id=module.course_id,
                                      after_position=module.position)
    return render(request, "annotators/module_detail.html",
                  {"module": module, "progress": progress, "next_module": following})


@require_POST
def module_confirm(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get(module_id=module_id)
    try:
        services.training_confirm_module(user=request.user, module_id=module.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=module.course_id)
    following = selectors.module_next(course_id=module.course_id,
                                      after_position=module.position)
    if following is not None:
        return redirect("workforce:module-detail", module_id=following.pk)
    messages.success(request, f"You completed {module.course.title}.")
    return redirect("workforce:mine")
