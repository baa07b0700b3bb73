"""The audit trail page and its CSV export, for holders of ``compliance.view_audit_trail``
(managers and compliance officers); anyone else gets 404."""

import csv
import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.changes import FieldChange, event_changes, event_details
from audit.models import AuditEvent, canonical_json
from audit.selectors import (
    AuditHeadMalformed,
    audit_chain_verify,
    audit_event_list,
    audit_head_parse,
)
from review.export_formats import neutralise_cell

from .permissions import VIEW_AUDIT_TRAIL

PAGE_SIZE = 50
CSV_COLUMNS = ("id", "created_at", "actor", "actor_id", "action", "target_type", "target_id",
               "data", "keyed", "prev_hash", "hash")


def audit_reader_or_404(user: AbstractBaseUser) -> None:
    """Refuse anyone without the permission to read the audit trail, as if it did not exist.

    :raises Http404: if ``user`` may not read the audit trail.
    """
    if not (user.is_authenticated and user.has_perm(VIEW_AUDIT_TRAIL)):
        raise Http404("No audit trail here.")


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150,
                            help_text="A username, or system, or anonymous.")
    action = forms.CharField(required=False, max_length=100,
                             help_text="Exact, or a prefix ending in a dot: credential.")
    target_type = forms.CharField(required=False, max_length=100, label="Object type",
                                  help_text="For example annotators.credential.")
    target_id = forms.CharField(required=False, max_length=64, label="Object id")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" are the names the API uses too; Python keeps them off class bodies.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(required=False, label="From", widget=date_input,
                                              help_text="The first day, included.")
        self.fields["to"] = forms.DateField(required=False, label="To", widget=date_input,
                                            help_text="The last day, included.")
        self.fields["expect_head"] = forms.CharField(
            required=False, max_length=80, label="Expected head hash",
            help_text="A head you noted earlier; the check fails if the trail lost it.")

    def clean_expect_head(self) -> str:
        value = self.cleaned_data["expect_head"]
        if not value:
            return ""
        try:
            return audit_head_parse(value)
        except AuditHeadMalformed as error:
            raise forms.ValidationError(error.message) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] > cleaned["to"]:
            self.add_error("to", "The last day is before the first; swap them.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"actor": data["actor"].strip(), "action": data["action"].strip(),
                "target_type": data["target_type"].strip(),
                "target_id": data["target_id"].strip(),
                "date_from": data["from"], "date_to": data["to"]}


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    changes: list[FieldChange]
    details: list[tuple[str, str]]
    actor_query: str
    action_query: str
    object_query: str

    @property
    def whole_change(self) -> FieldChange | None:
        if len(self.changes) == 1 and not self.changes[0].field:
            return self.changes[0]
        return None


def _row(event: AuditEvent) -> EventRow:
    return EventRow(
        event=event, changes=event_changes(event.data), details=event_details(event.data),
        actor_query=urlencode({"actor": event.actor_label}),
        action_query=urlencode({"action": event.action}),
        object_query=urlencode({"target_type": event.target_type,
                                "target_id": event.target_id}) if event.target_type else "")


def _render_list(request: HttpRequest, form: AuditFilterForm, *, status: int = 200) -> HttpResponse:
    valid = form.is_valid()
    events = audit_event_list(**form.filters()) if valid else AuditEvent.objects.none()
    # The whole trail is walked on every view: the page must say whether it is intact now.
    expect_head = form.cleaned_data["expect_head"] if valid else ""
    started = time.perf_counter()
    chain = audit_chain_verify(expect_head=expect_head or None)
    verify_seconds = time.perf_counter() - started
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "compliance/audit_list.html", {
        "form": form, "valid": valid, "page": page, "rows": [_row(e) for e in page],
        "query": _filters_query(request), "chain": chain, "verify_seconds": verify_seconds,
        "filtered": valid and any(form.filters().values()),
        "key_source": getattr(settings, "AUDIT_CHAIN_KEY_SOURCE", "environment"),
    }, status=status)


def _filters_query(request: HttpRequest) -> str:
    """The request's query without its page and empty fields, for links that keep the
    filters."""
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        given = [value for value in values if value.strip()]
        if name != "page" and given:
            query.setlist(name, given)
    return query.urlencode()


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    audit_reader_or_404(request.user)
    return _render_list(request, AuditFilterForm(request.GET))


def _csv_cell(value: object) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list):
        text = canonical_json(value)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return neutralise_cell(text)


def audit_csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """Write events as CSV, a line at a time; a cell a spreadsheet would run as a formula is
    prefixed with a quote."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drain() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield drain()
    for event in events:
        writer.writerow([_csv_cell(value) for value in (
            event.pk, event.created_at, event.actor_label, event.actor_id, event.action,
            event.target_type, event.target_id, event.data, event.keyed, event.prev_hash,
            event.hash)])
        yield drain()


@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse:
    audit_reader_or_404(request.user)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    # Oldest first, the order in which the events were chained.
    events = audit_event_list(**form.filters()).order_by("id").iterator(chunk_size=2000)
    response = StreamingHttpResponse(audit_csv_lines(events),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
