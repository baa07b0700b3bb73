"""The managers' dashboard, the compliance report with its downloads, and its snapshots."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from annotators.permissions import manager_required
from config.errors import ApplicationError

from . import dashboard, downloads, selectors, services
from .forms import ReportForm
from .permissions import FREEZE_REPORT
from .report import Status, compliance_report


@require_GET
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/home.html", dashboard.dashboard(actor=request.user))


def _report_for(request: HttpRequest):
    """The report the query asks for, or the form with its errors."""
    form = ReportForm.for_request(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        services.check_period(data["period_from"], data["period_to"])
    except ApplicationError as error:
        for field, problems in error.detail.items():
            form.add_error({"from": "period_from", "to": "period_to"}[field], problems)
        return form, None
    return form, compliance_report(period_from=data["period_from"],
                                   period_to=data["period_to"], task=data["task"])


def _body_context(content: dict) -> dict:
    return {"content": content, "labels": Status.LABELS}


@require_GET
def report_elsewhere(request: HttpRequest) -> HttpResponse:
    """The address the report is known by (``/compliance/``), for those who may read it."""
    selectors.require_report_reader(request.user)
    query = request.GET.urlencode()
    return redirect(reverse("compliance:report") + (f"?{query}" if query else ""))


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    selectors.require_report_reader(request.user)
    form, made = _report_for(request)
    query = urlencode({key: value for key, value in request.GET.items()
                       if key in form.fields})
    return render(request, "compliance/report.html", {
        "form": form, "query": query, **(_body_context(made.as_dict()) if made else {}),
        "can_freeze": request.user.has_perm(FREEZE_REPORT)}, status=200 if made else 400)


def _download_name(content: dict, extension: str) -> str:
    scope = content["scope"]
    task = f"-task-{scope['task']}" if scope["task"] else ""
    return f"compliance-report-{scope['from']}-{scope['to']}{task}.{extension}"


def _zip_response(content: dict, report_hash: str = "") -> HttpResponse:
    response = HttpResponse(downloads.report_zip(content, report_hash=report_hash),
                            content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(content, "zip")}"'
    return response


def _pdf_response(request: HttpRequest, content: dict, **extra) -> HttpResponse:
    try:
        pdf = downloads.report_pdf({**_body_context(content), **extra})
    except downloads.PdfUnavailable as error:
        return render(request, "error.html", {"status": 503, "title": "PDF unavailable",
                                              "message": str(error)}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(content, "pdf")}"'
    return response


@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    selectors.require_report_reader(request.user)
    _, made = _report_for(request)
    if made is None:
        return redirect(f"{reverse('compliance:report')}?{request.GET.urlencode()}")
    return _zip_response(made.as_dict())


@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    selectors.require_report_reader(request.user)
    _, made = _report_for(request)
    if made is None:
        return redirect(f"{reverse('compliance:report')}?{request.GET.urlencode()}")
    return _pdf_response(request, made.as_dict())


@require_POST
def snapshot_create(request: HttpRequest) -> HttpResponse:
    selectors.require_report_reader(request.user)
    form = ReportForm.for_request(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a period and a scope, then freeze the report.")
        return redirect("compliance:report")
    data = form.cleaned_data
    try:
        snapshot = services.snapshot_freeze(
            actor=request.user, period_from=data["period_from"], period_to=data["period_to"],
            task_id=data["task"].pk if data["task"] else None)
    except ApplicationError as error:
        if error.http_status == 403:
            raise Http404(error.message) from error
        messages.error(request, error.message)
        return redirect("compliance:report")
    messages.success(request, f"Report frozen; its hash {snapshot.report_hash} is in the "
                              "audit trail.")
    return redirect("compliance:snapshot-detail", snapshot_id=snapshot.pk)


@require_GET
def snapshot_list(request: HttpRequest) -> HttpResponse:
    selectors.require_report_reader(request.user)
    page = Paginator(selectors.snapshot_list(), 50).get_page(request.GET.get("page"))
    return render(request, "compliance/snapshot_list.html", {"page": page})


@require_GET
def snapshot_detail(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    selectors.require_report_reader(request.user)
    snapshot = selectors.snapshot_get(snapshot_id=snapshot_id)
    return render(request, "compliance/snapshot_detail.html", {
        "snapshot": snapshot, "comparison": selectors.snapshot_compare(snapshot=snapshot),
        **_body_context(snapshot.report)})


@require_GET
def snapshot_download(request: HttpRequest, snapshot_id: int, extension: str) -> HttpResponse:
    selectors.require_report_reader(request.user)
    snapshot = selectors.snapshot_get(snapshot_id=snapshot_id)
    if extension not in ("zip", "pdf"):
        raise Http404("A frozen report downloads as zip or pdf.")
    if extension == "zip":
        return _zip_response(snapshot.report, snapshot.report_hash)
    return _pdf_response(request, snapshot.report, snapshot=snapshot)
