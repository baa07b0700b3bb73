"""Managers' workforce pages: the table of credentials and people, one person's page, and
the actions on a credential."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError

from .. import selectors, services
from ..forms import CredentialFilterForm, ReasonForm, ScheduleRetrainingForm, SuspendForm
from .common import managers_only

CREDENTIALS_PER_PAGE = 50
PEOPLE_LISTED = 200


@require_GET
@managers_only
def people(request: HttpRequest) -> HttpResponse:
    form = CredentialFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    credentials = selectors.credential_list_for_actor(
        actor=request.user, kind=filters.get("kind", ""), status=filters.get("status", ""),
        expiring_within_days=30 if filters.get("expiring") else None,
        search=filters.get("search", ""))
    page = Paginator(credentials, CREDENTIALS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "annotators/people.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "schedule_form": ScheduleRetrainingForm(),
        "people": selectors.person_list_for_manager(
            search=filters.get("search", ""))[:PEOPLE_LISTED]})


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
    overview = selectors.person_overview(actor=request.user, person_id=user_id)
    return render(request, "annotators/person_detail.html", overview._asdict())


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
