"""Workers' exam pages: starting an attempt, answering, submitting, and sample images."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError
from config.media import media_response
from rules.selectors import risk_group_list_with_categories

from .. import selectors, services
from ..models import CredentialKind, ExamAttempt, Question


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
    services.attempt_grade_if_due(attempt=attempt)
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
    return render(request, "annotators/attempt_submit.html", {
        "attempt": attempt, "answered": selectors.attempt_answered_count(attempt=attempt),
        "total": len(attempt.question_ids)})


@require_GET
def question_image(request: HttpRequest, question_id: int) -> HttpResponse:
    question, content_type = selectors.question_image_get(user=request.user,
                                                          question_id=question_id)
    return media_response(file=question.sample_image, content_type=content_type)
