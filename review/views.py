"""Review pages: the reviewers' queues (sample checks, safety approvals), the managers' batch
board, decisions, escalations, quality and exports."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotation.pseudonyms import task_pseudonym
from annotation.selectors import (
    batch_list_for_task,
    can_manage_tasks,
    risk_definitions,
    task_get_for_actor,
)
from config.errors import ApplicationError
from rules.selectors import risk_group_list_with_categories

from . import selectors, services
from .api.exports import export_file_response
from .models import ExportJob, SampleCheck
from .selectors import ADJUDICATE, ExportNotAllowed


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    reviewed = list(selectors.tasks_reviewed_by(actor=request.user))
    counts = selectors.review_queue_counts(actor=request.user, tasks=reviewed)
    tasks = [(task, counts.get(task.pk, 0)) for task in reviewed]
    return render(request, "review/home.html", {
        "tasks": tasks, "is_manager": can_manage_tasks(request.user),
        "can_adjudicate": selectors.can_adjudicate(actor=request.user)})


def _reviewed_task(request: HttpRequest, task_id: int, *, safety: bool):
    task = task_get_for_actor(actor=request.user, task_id=task_id)
    if task.is_safety != safety:
        raise Http404("No such queue.")
    return task


@require_http_methods(["GET", "POST"])
def check_queue(request: HttpRequest, task_id: int) -> HttpResponse:
    """One sampled label at a time, beside its item and the rules; keys pick the verdict."""
    task = _reviewed_task(request, task_id, safety=False)
    if request.method == "POST":
        try:
            services.sample_check_record(
                reviewer=request.user, check_id=int(request.POST.get("check", "0")),
                verdict=request.POST.get("verdict", ""), note=request.POST.get("note", ""),
                risk_codes=request.POST.getlist("risk_codes"))
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValueError:
            messages.error(request, "That request was malformed; reload the page.")
        else:
            messages.success(request, "Verdict recorded.")
        return redirect("review:check-queue", task_id=task.pk)
    try:
        check = services.sample_check_next(reviewer=request.user, task_id=task.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("review:home")
    return render(request, "review/check_queue.html", {
        "task": task, "version": task.rule_version, "check": check,
        "verdicts": SampleCheck.Verdict.choices, "groups": risk_group_list_with_categories(),
        "payload": _readable(check.label.payload) if check else []})


def _readable(payload: dict) -> list[tuple[str, str]]:
    """A label's fields as text: a ranking or a list of choices in order."""
    return [(name, " › ".join(map(str, value)) if isinstance(value, list) else str(value))
            for name, value in sorted(payload.items())]


@require_http_methods(["GET", "POST"])
def approval_queue(request: HttpRequest, task_id: int) -> HttpResponse:
    """One safety label at a time: approve, reject with a reason, or escalate."""
    task = _reviewed_task(request, task_id, safety=True)
    if request.method == "POST":
        action = request.POST.get("action")
        actions = {"approve": services.safety_label_approve,
                   "reject": services.safety_label_reject,
                   "escalate": services.safety_label_escalate_to_manager}
        try:
            if action not in actions:
                raise ValueError(action)
            label = actions[action](reviewer=request.user,
                                    label_id=int(request.POST.get("label", "0")),
                                    comment=request.POST.get("comment", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValueError:
            messages.error(request, "That request was malformed; reload the page.")
        else:
            messages.success(request, f"Label {label.pk} is now "
                                       f"{label.get_status_display().lower()}.")
        return redirect("review:approval-queue", task_id=task.pk)
    try:
        label = services.safety_approval_next(reviewer=request.user, task_id=task.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("review:home")
    item = selectors.safety_label_items(labels=[label]).get(label.item_id) if label else None
    definitions = risk_definitions(version=task.rule_version)
    return render(request, "review/approval_queue.html", {
        "task": task, "version": task.rule_version, "label": label, "item": item,
        "segments": _segments(item.text, label.spans) if label and item else [],
        "chosen": [(code, definitions.get(code, "")) for code in label.risk_codes]
        if label else [],
        "groups": risk_group_list_with_categories(), "definitions": definitions})


def _segments(text: str, spans: list[dict]) -> list[tuple[str, str | None]]:
    """The text cut into plain and marked pieces, for escaping in the template."""
    pieces, at = [], 0
    for span in sorted(spans, key=lambda span: span["start"]):
        start, end = max(span["start"], at), span["end"]
        if start >= end:
            continue
        pieces.append((text[at:start], None))
        pieces.append((text[start:end], span.get("code") or "marked"))
        at = end
    pieces.append((text[at:], None))
    return [piece for piece in pieces if piece[0]]


@require_http_methods(["GET", "POST"])
@permission_required(ADJUDICATE, raise_exception=True)
def escalated(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.safety_label_rule(manager=request.user,
                                       label_id=int(request.POST.get("label", "0")),
                                       decision=request.POST.get("decision", ""),
                                       comment=request.POST.get("comment", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValueError:
            messages.error(request, "That request was malformed; reload the page.")
        else:
            messages.success(request, "Ruling recorded.")
        return redirect("review:escalated")
    page = Paginator(selectors.escalated_labels(), 20).get_page(request.GET.get("page"))
    items = selectors.safety_label_items(labels=list(page))
    return render(request, "review/escalated.html", {
        "page": page, "rows": [(label, items.get(label.item_id)) for label in page]})


@require_GET
def batch_board(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_get_for_review_reader(actor=request.user, task_id=task_id)
    page = Paginator(batch_list_for_task(task=task), 50).get_page(request.GET.get("page"))
    return render(request, "review/batch_board.html", {
        "task": task, "page": page, "rows": selectors.batch_board(task=task,
                                                                  batches=page.object_list),
        "can_export": request.user.has_perm("review.export_labels"),
        "can_draw": can_manage_tasks(request.user) and not task.is_safety})


@require_POST
def batch_sample_draw(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A manager draws the sample of a complete batch from the batch board."""
    batch = selectors.batch_get_for_review_reader(actor=request.user, batch_id=batch_id)
    try:
        sample, drawn = services.sample_draw_by_hand(actor=request.user, batch_id=batch.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Drew the sample of batch {batch.number}: "
                                  f"{len(sample.item_ids)} items to check." if drawn else
                                  f"Batch {batch.number} was already sampled.")
    return redirect("review:batch-board", task_id=batch.task_id)


@require_GET
def sample_detail(request: HttpRequest, sample_id: int) -> HttpResponse:
    sample = selectors.sample_get_for_actor(actor=request.user, sample_id=sample_id)
    redrawn = selectors.sample_redraw(sample=sample)
    checks = selectors.sample_check_list(sample=sample)
    for check in checks:
        # Reviewers tell workers apart by their pseudonym in the task, never by name.
        check.annotator_pseudonym = task_pseudonym(task_id=sample.batch.task_id,
                                                   user_id=check.annotator_id)
    return render(request, "review/sample_detail.html", {
        "sample": sample, "task": sample.batch.task, "checks": checks,
        "redraw_matches": redrawn == sample.item_ids,
        "show_names": can_manage_tasks(request.user)})


@require_GET
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = selectors.decision_get_for_actor(actor=request.user, decision_id=decision_id)
    checks = selectors.decision_failed_checks(decision=decision)
    codes = selectors.decision_risk_codes(decision=decision)
    return render(request, "review/decision_detail.html", {
        "decision": decision, "task": decision.batch.task, "checks": checks,
        "illegal": [(row, codes.get(row["item"], []))
                    for row in decision.evidence.get("illegal", [])]})


@require_GET
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    """Batches invalidated after an export carried them out: their labels are withdrawn."""
    selectors.require_withdrawal_reader(actor=request.user)
    page = Paginator(selectors.withdrawal_list(), 50).get_page(request.GET.get("page"))
    return render(request, "review/withdrawal_list.html", {"page": page})


@require_GET
def withdrawal_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    selectors.require_withdrawal_reader(actor=request.user)
    decision = selectors.withdrawal_get(decision_id=decision_id)
    page = Paginator(selectors.withdrawal_labels(decision=decision), 100) \
        .get_page(request.GET.get("page"))
    return render(request, "review/withdrawal_detail.html", {
        "decision": decision, "task": decision.batch.task, "page": page,
        "codes": sorted({code for codes in selectors.decision_risk_codes(
            decision=decision).values() for code in codes})})


@require_http_methods(["GET", "POST"])
def quality_list(request: HttpRequest) -> HttpResponse:
    selectors.require_quality_reader(actor=request.user)
    if request.method == "POST":
        try:
            services.quality_policy_update(
                actor=request.user, kind=request.POST.get("kind", ""), changes={
                    "threshold": request.POST.get("threshold", "").strip() or None,
                    "minimum_checks": int(request.POST.get("minimum_checks", "")),
                    "window_days": int(request.POST.get("window_days", "")),
                    "enabled": request.POST.get("enabled") == "on"})
        except ApplicationError as error:
            messages.error(request, error.message + "".join(
                f" {field}: {' '.join(problems)}" for field, problems in
                (error.detail or {}).items()))
        except (ValueError, ArithmeticError):
            messages.error(request, "Write the threshold as a share such as 0.900, and the "
                                    "checks and days as whole numbers.")
        else:
            messages.success(request, "Policy saved.")
        return redirect("review:quality-list")
    signals = Paginator(selectors.signal_list(), 20).get_page(request.GET.get("page"))
    return render(request, "review/quality_list.html", {
        "rows": selectors.quality_overview(), "signals": signals,
        "policies": selectors.quality_policies().values(),
        "can_edit": request.user.has_perm("review.manage_quality")})


CHART_WIDTH, CHART_HEIGHT = 600, 200


@require_GET
def quality_person(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's accuracy week by week, drawn as an SVG line, with their signals."""
    selectors.require_quality_reader(actor=request.user)
    person = selectors.quality_person_get(user_id=user_id)
    weeks = selectors.accuracy_by_week(user_id=person.pk)
    step = CHART_WIDTH / max(len(weeks) - 1, 1)
    points = [(round(index * step, 1), round(CHART_HEIGHT * (1 - week["accuracy"]), 1), week)
              for index, week in enumerate(weeks)]
    return render(request, "review/quality_person.html", {
        "person": person, "weeks": weeks, "points": points,
        "polyline": " ".join(f"{x},{y}" for x, y, _ in points),
        "width": CHART_WIDTH, "height": CHART_HEIGHT,
        "signals": selectors.signal_list(user_id=person.pk)[:50],
        "memberships": selectors.membership_list_for_person(user=person)})


@require_http_methods(["GET", "POST"])
def export_page(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = selectors.task_get_for_exporter(actor=request.user, task_id=task_id)
    except ExportNotAllowed as error:
        raise Http404(error.message) from error
    if request.method == "POST":
        try:
            services.export_job_create(actor=request.user, task_id=task.pk,
                                       format=request.POST.get("format", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Export started; this page shows its progress.")
        return redirect("review:export-page", task_id=task.pk)
    jobs = Paginator(selectors.export_list_for_task(task=task), 20).get_page(
        request.GET.get("page"))
    running = any(job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
                  for job in jobs)
    return render(request, "review/export_page.html", {
        "task": task, "jobs": jobs, "formats": ExportJob.Format.choices, "running": running,
        "waiting": any(job.waiting_for_worker for job in jobs),
        "safety_count": selectors.approved_safety_label_count(task=task)
        if task.is_safety else None})


@require_GET
def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    selectors.export_get_for_actor(actor=request.user, job_id=export_id)
    try:
        job = services.export_job_download(actor=request.user, job_id=export_id)
    except ApplicationError as error:
        raise Http404(error.message) from error
    return export_file_response(job=job)
