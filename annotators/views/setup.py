"""Managers' editors: courses and their modules, exams and their questions, and policies."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError

from .. import selectors, services
from ..forms import CourseForm, ExamForm, ModuleForm, PolicyForm, QuestionForm
from .common import managers_only, show_refusal


@require_http_methods(["GET", "POST"])
@managers_only
def course_list(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("workforce:course-edit", course_id=course.pk)
    return render(request, "annotators/course_list.html", {
        "form": form,
        "courses": [(course, selectors.course_missing_topics(course=course))
                    for course in selectors.course_list()]})


@require_http_methods(["GET", "POST"])
@managers_only
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get(course_id=course_id)
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            version = data.pop("rule_version")
            services.module_add(actor=request.user, course_id=course.pk,
                                rule_version_id=version.pk if version else None, **data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Module added; the course's version went up.")
            return redirect("workforce:course-edit", course_id=course.pk)
    return render(request, "annotators/course_edit.html", {
        "course": course, "form": form, "modules": course.modules.all(),
        "missing": selectors.course_missing_topics(course=course)})


@require_http_methods(["GET", "POST"])
@managers_only
def exam_list(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.exam_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            return redirect("workforce:exam-edit", exam_id=exam.pk)
    return render(request, "annotators/exam_list.html", {
        "form": form,
        "exams": [(exam, selectors.exam_shortfalls(exam=exam))
                  for exam in selectors.exam_list()]})


@require_http_methods(["GET", "POST"])
@managers_only
def exam_edit(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = selectors.exam_get(exam_id=exam_id)
    form = QuestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(actor=request.user, exam_id=exam.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Question added.")
            return redirect("workforce:exam-edit", exam_id=exam.pk)
    return render(request, "annotators/exam_edit.html", {
        "exam": exam, "form": form,
        "questions": selectors.exam_question_list(exam=exam, by_ability=True),
        "shortfalls": selectors.exam_shortfalls(exam=exam)})


@require_GET
@managers_only
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "annotators/policy_list.html", {"policies": selectors.policy_list()})


@require_http_methods(["GET", "POST"])
@managers_only
def policy_edit(request: HttpRequest, kind: str) -> HttpResponse:
    policy = selectors.policy_get(kind=kind)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.policy_update(actor=request.user, kind=kind, changes=changes)
        except ApplicationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Saved the policy for {policy.get_kind_display()}.")
            return redirect("workforce:policy-list")
    return render(request, "annotators/policy_edit.html", {"policy": policy, "form": form})
