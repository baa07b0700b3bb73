"""Workforce pages: workers' training, exams and credentials; managers' workforce tools."""

import mimetypes

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError
from rules.selectors import risk_group_list_with_categories

from . import selectors, services
from .forms import (
    CourseForm,
    CredentialFilterForm,
    ExamForm,
    ModuleForm,
    PolicyForm,
    QuestionForm,
    ReasonForm,
    ScheduleRetrainingForm,
    SuspendForm,
)
from .models import (
    Course,
    CredentialKind,
    CredentialPolicy,
    Exam,
    ExamAttempt,
    Module,
    ModuleProgress,
    Question,
)
from .services.common import MANAGE_WORKFORCE

managers_only = permission_required(MANAGE_WORKFORCE, raise_exception=True)


def _show_refusal(form, error: ApplicationError) -> None:
    """Put a refusal on the form: beside each field its detail names, else above the form."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    named = {name: problems for name, problems in detail.items() if name in form.fields}
    for name, problems in named.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(name, str(problem))
    if not named:
        form.add_error(None, error.message)


# --- workers --------------------------------------------------------------------------------


@require_GET
def my_workforce(request: HttpRequest) -> HttpResponse:
    user = request.user
    policies = CredentialPolicy.objects.select_related("exam", "course").order_by("kind")
    return render(request, "annotators/my_workforce.html", {
        "training": selectors.training_overview(user=user),
        "credentials": selectors.credential_list_for_actor(actor=user).filter(user=user),
        "assignments": selectors.assignment_list_for_actor(actor=user, status="open")
        .filter(user=user),
        "exams": [p for p in policies if p.exam_id and p.course_id],
        "attempts": selectors.attempt_list_for_actor(actor=user).filter(user=user)[:20],
    })


@require_GET
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id)
    record = course.records.filter(user=request.user, completed_at__isnull=True).first()
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(record=record)} \
        if record else {}
    modules = [(module, progress.get(module.pk)) for module in course.modules.order_by("position")]
    return render(request, "annotators/course_detail.html", {
        "course": course, "record": record, "modules": modules,
        "completed": course.records.filter(user=request.user, completed_at__isnull=False)
        .order_by("-completed_at").first()})


@require_POST
def course_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id)
    try:
        services.training_start(user=request.user, course_id=course.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=course.pk)
    first = course.modules.order_by("position").first()
    return redirect("workforce:module-detail", module_id=first.pk)


@require_GET
def module_detail(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_object_or_404(Module.objects.select_related("course"), pk=module_id)
    try:
        progress = services.training_open_module(user=request.user, module_id=module.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=module.course_id)
    following = module.course.modules.filter(position__gt=module.position) \
        .order_by("position").first()
    return render(request, "annotators/module_detail.html",
                  {"module": module, "progress": progress, "next_module": following})


@require_POST
def module_confirm(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_object_or_404(Module, pk=module_id)
    try:
        services.training_confirm_module(user=request.user, module_id=module.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:course-detail", course_id=module.course_id)
    following = module.course.modules.filter(position__gt=module.position) \
        .order_by("position").first()
    if following is not None:
        return redirect("workforce:module-detail", module_id=following.pk)
    messages.success(request, f"You completed {module.course.title}.")
    return redirect("workforce:mine")


@require_POST
def exam_start(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in CredentialKind.values:
        raise Http404("No such credential kind.")
    try:
        attempt = services.attempt_start(user=request.user, kind=kind)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("workforce:mine")
    return redirect("workforce:attempt-detail", attempt_id=attempt.pk)


def _save_answers(request: HttpRequest, attempt: ExamAttempt) -> list[str]:
    problems = []
    for question, _ in selectors.attempt_questions(attempt):
        values = request.POST.getlist(f"q{question.pk}")
        if question.kind != Question.Kind.PRACTICAL:
            try:
                values = [int(value) for value in values]
            except ValueError:
                problems.append(f"Question {question.pk}: not an option.")
                continue
        try:
            services.attempt_answer(user=request.user, attempt_id=attempt.pk,
                                    question_id=question.pk, response=values)
        except services.AttemptRefused as error:
            return [error.message]
        except ApplicationError as error:
            problems.append(error.message)
    return problems


@require_http_methods(["GET", "POST"])
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for_actor(actor=request.user, attempt_id=attempt_id)
    services.attempt_grade_if_due(attempt)
    own = attempt.user_id == request.user.pk
    if request.method == "POST" and own and attempt.status == ExamAttempt.Status.IN_PROGRESS:
        problems = _save_answers(request, attempt)
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            messages.success(request, "Answers saved.")
        if request.POST.get("then") == "submit" and not problems:
            return redirect("workforce:attempt-submit", attempt_id=attempt.pk)
        return redirect("workforce:attempt-detail", attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return render(request, "annotators/attempt_detail.html", {
        "attempt": attempt, "own": own, "rows": selectors.attempt_questions(attempt),
        "risk_groups": risk_group_list_with_categories(),
        "explain": attempt.status == ExamAttempt.Status.GRADED and attempt.exam.show_explanations,
    })


@require_http_methods(["GET", "POST"])
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for_actor(actor=request.user, attempt_id=attempt_id)
    if attempt.user_id != request.user.pk:
        raise Http404("No such exam attempt.")
    if request.method == "POST":
        attempt = services.attempt_submit(user=request.user, attempt_id=attempt.pk)
        if attempt.passed:
            messages.success(request, "Passed: your credential is active.")
        else:
            messages.error(request, "Not passed this time; see your scores below.")
        return redirect("workforce:attempt-detail", attempt_id=attempt.pk)
    answered = attempt.answers.exclude(response=[]).count()
    return render(request, "annotators/attempt_submit.html",
                  {"attempt": attempt, "answered": answered,
                   "total": len(attempt.question_ids)})


@require_GET
def question_image(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=question_id)
    allowed = selectors.question_visible_to(user=request.user, question_id=question.pk)
    if not allowed or not question.sample_image:
        raise Http404("No such image.")
    content_type = mimetypes.guess_type(question.sample_image.name)[0] or ""
    if not content_type.startswith("image/"):
        raise Http404("No such image.")
    response = FileResponse(question.sample_image.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- managers -------------------------------------------------------------------------------


@require_GET
@managers_only
def people(request: HttpRequest) -> HttpResponse:
    form = CredentialFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    credentials = selectors.credential_list_for_actor(
        actor=request.user, kind=filters.get("kind", ""), status=filters.get("status", ""),
        expiring_within_days=30 if filters.get("expiring") else None,
        search=filters.get("search", ""))
    page = Paginator(credentials, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "annotators/people.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "schedule_form": ScheduleRetrainingForm(),
        "people": selectors.person_list_for_manager(search=filters.get("search", ""))[:200]})


@require_POST
@managers_only
def schedule_retraining(request: HttpRequest) -> HttpResponse:
    form = ScheduleRetrainingForm(request.POST)
    user_ids = [int(value) for value in request.POST.getlist("user_ids") if value.isdigit()]
    if not user_ids:
        messages.error(request, "Tick at least one person to schedule retraining for.")
    elif not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    else:
        data = dict(form.cleaned_data)
        course = data.pop("course")
        try:
            created = services.assignment_schedule(actor=request.user, user_ids=user_ids,
                                                   course_id=course.pk if course else None,
                                                   **data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            skipped = len(user_ids) - len(created)
            messages.success(request, f"Scheduled retraining for {len(created)} person(s)"
                             + (f"; {skipped} already owed it." if skipped else "."))
    return redirect(reverse("workforce:people") + "?" + request.POST.get("query", ""))


@require_GET
@managers_only
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(get_user_model(), pk=user_id)
    credentials = [(credential, selectors.credential_history(credential))
                   for credential in person.credentials.order_by("kind", "-issued_at")]
    return render(request, "annotators/person_detail.html", {
        "person": person, "credentials": credentials,
        "records": person.training_records.select_related("course").order_by("-started_at"),
        "attempts": selectors.attempt_list_for_actor(actor=request.user, user_id=person.pk),
        "assignments": person.assignments.select_related("course").order_by("-created_at"),
        "tokens": selectors.api_token_list_for_actor(actor=request.user, user_id=person.pk),
        "lockout": selectors.account_lockout(username=person.get_username()),
        "two_factor_enrolled": selectors.two_factor_enrolled(person),
    })


CREDENTIAL_ACTIONS = {
    "suspend": (SuspendForm, services.credential_suspend, "Suspend"),
    "reinstate": (ReasonForm, services.credential_reinstate, "Reinstate"),
    "revoke": (ReasonForm, services.credential_revoke, "Revoke"),
}


@require_http_methods(["GET", "POST"])
@managers_only
def credential_action(request: HttpRequest, credential_id: int, action: str) -> HttpResponse:
    if action not in CREDENTIAL_ACTIONS:
        raise Http404("No such action.")
    credential = selectors.credential_get_for_actor(actor=request.user,
                                                    credential_id=credential_id)
    form_class, service, label = CREDENTIAL_ACTIONS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, credential_id=credential.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{label}d credential {credential.pk} of "
                                      f"{credential.user.get_username()}.")
            return redirect("workforce:person-detail", user_id=credential.user_id)
    return render(request, "annotators/credential_action.html",
                  {"credential": credential, "form": form, "action": action, "label": label})


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
    courses = Course.objects.prefetch_related("modules").order_by("title")
    return render(request, "annotators/course_list.html", {
        "form": form,
        "courses": [(course, services.setup.missing_topics(course)) for course in courses]})


@require_http_methods(["GET", "POST"])
@managers_only
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id)
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
    course.refresh_from_db()
    return render(request, "annotators/course_edit.html", {
        "course": course, "form": form, "modules": course.modules.order_by("position"),
        "missing": services.setup.missing_topics(course)})


@require_http_methods(["GET", "POST"])
@managers_only
def exam_list(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.exam_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _show_refusal(form, error)
        else:
            return redirect("workforce:exam-edit", exam_id=exam.pk)
    return render(request, "annotators/exam_list.html", {
        "form": form,
        "exams": [(exam, selectors.exam_shortfalls(exam)) for exam in selectors.exam_list()]})


@require_http_methods(["GET", "POST"])
@managers_only
def exam_edit(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id)
    form = QuestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(actor=request.user, exam_id=exam.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Question added.")
            return redirect("workforce:exam-edit", exam_id=exam.pk)
    questions = exam.questions.order_by("ability", "pk")
    return render(request, "annotators/exam_edit.html", {
        "exam": exam, "form": form, "questions": questions,
        "shortfalls": selectors.exam_shortfalls(exam)})


@require_GET
@managers_only
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = CredentialPolicy.objects.select_related("course", "exam").order_by("kind")
    return render(request, "annotators/policy_list.html", {"policies": policies})


@require_http_methods(["GET", "POST"])
@managers_only
def policy_edit(request: HttpRequest, kind: str) -> HttpResponse:
    policy = get_object_or_404(CredentialPolicy, kind=kind)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.policy_update(actor=request.user, kind=kind, changes=changes)
        except ApplicationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, f"Saved the policy for {policy.get_kind_display()}.")
            return redirect("workforce:policy-list")
    return render(request, "annotators/policy_edit.html", {"policy": policy, "form": form})
