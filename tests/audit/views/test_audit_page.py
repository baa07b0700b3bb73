import csv
import io
import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from annotators.models import Role
from audit.models import AuditEvent
from audit.services import record_event
from rules.models import RiskCategory
from tests.audit.tampering import sql
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def page_of(client, **query):
    return client.get(reverse("compliance:audit-list"), query)


def shown_actions(response) -> list[str]:
    return [row.event.action for row in response.context["rows"]]


def at(day: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T12:00:00"))


class PageStructure(HTMLParser):
    """Collects what the page's accessibility rules are about."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.tables = self.captions = 0
        self.th_without_scope = 0
        self.input_ids: list[str] = []
        self.label_fors: set[str] = set()
        self.inline_code: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline_code.append(tag)
        if tag == "h1":
            self.h1 += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and "scope" not in attributes:
            self.th_without_scope += 1
        elif tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
            self.input_ids.append(attributes.get("id", ""))
        elif tag == "label":
            self.label_fors.add(attributes.get("for", ""))
        elif tag in {"script", "style"} and "src" not in attributes:
            self.inline_code.append(tag)


class TestAuditList:
    def test_shows_the_events_newest_first_under_the_chains_status_and_head(self,
                                                                           manager_client):
        first = record_event(actor=None, action="test.page.first")
        last = record_event(actor=None, action="test.page.last")

        response = page_of(manager_client, action="test.page.")

        html = response.content.decode()
        assert response.status_code == 200
        assert shown_actions(response) == ["test.page.last", "test.page.first"]
        assert "Intact: all" in html
        assert f'<code class="hash" id="head-hash">{last.hash}</code>' in html
        assert response.context["chain"].events_checked >= 2
        assert first.hash[:12] in html

    def test_filters_by_actor(self, manager_client, manager, annotator):
        record_event(actor=manager, action="test.by_actor")
        record_event(actor=annotator, action="test.by_actor")

        response = page_of(manager_client, actor=annotator.username, action="test.by_actor")

        assert [row.event.actor_label for row in response.context["rows"]] == [
            annotator.username]

    def test_filters_by_an_exact_action_or_a_prefix(self, manager_client):
        for action in ("test.prefix.one", "test.prefix.two", "test.prefixed"):
            record_event(actor=None, action=action)

        exact = page_of(manager_client, action="test.prefix.one")
        prefix = page_of(manager_client, action="test.prefix.")

        assert shown_actions(exact) == ["test.prefix.one"]
        assert shown_actions(prefix) == ["test.prefix.two", "test.prefix.one"]

    def test_filters_by_object_type_and_id(self, manager_client):
        one, other = RiskCategory.objects.order_by("pk")[:2]
        record_event(actor=None, action="test.object", target=one)
        record_event(actor=None, action="test.object", target=other)

        by_type = page_of(manager_client, action="test.object",
                          target_type="rules.riskcategory")
        by_object = page_of(manager_client, target_type="rules.riskcategory",
                            target_id=str(other.pk))

        assert len(by_type.context["rows"]) == 2
        assert [row.event.target_id for row in by_object.context["rows"]] == [str(other.pk)]

    def test_filters_by_a_date_range_both_days_included(self, manager_client):
        for day in ("2031-03-01", "2031-03-02", "2031-03-03", "2031-03-04"):
            with time_machine.travel(at(day), tick=False):
                record_event(actor=None, action="test.dated", data={"day": day})

        response = page_of(manager_client, action="test.dated",
                           **{"from": "2031-03-02", "to": "2031-03-03"})

        assert [row.event.data["day"] for row in response.context["rows"]] == [
            "2031-03-03", "2031-03-02"]

    def test_pages_fifty_events_and_keeps_the_filters_in_its_links(self, manager_client):
        for n in range(55):
            record_event(actor=None, action="test.paged", data={"n": n})
        record_event(actor=None, action="test.not_paged")

        first = page_of(manager_client, action="test.paged")
        second = manager_client.get(reverse("compliance:audit-list") +
                                    "?action=test.paged&page=2")

        assert len(first.context["rows"]) == 50
        html = first.content.decode()
        assert 'href="?action=test.paged&amp;page=2" rel="next"' in html
        assert [row.event.data["n"] for row in second.context["rows"]] == [4, 3, 2, 1, 0]
        assert 'href="?action=test.paged&amp;page=1" rel="prev"' in second.content.decode()

    def test_shows_a_readable_diff_of_before_and_after(self, manager_client):
        record_event(actor=None, action="test.diffed",
                     data={"kind": "functional", "before": {"threshold": "0.9", "window": "30"},
                           "after": {"threshold": "0.95", "window": "30"}})
        record_event(actor=None, action="test.moved", data={"from": "open", "to": "annotating"})

        diffed = page_of(manager_client, action="test.diffed").content.decode()
        moved = page_of(manager_client, action="test.moved").content.decode()

        assert re.search(r'<th scope="row">threshold</th><td><del>0\.9</del></td>'
                         r"<td><ins>0\.95</ins></td>", diffed)
        assert '<th scope="row">window</th><td>30</td><td>30</td>' in diffed
        assert "<dt>kind</dt><dd>functional</dd>" in diffed
        assert "<del>open</del>" in moved
        assert "<ins>annotating</ins>" in moved

    def test_reports_the_first_break_of_a_tampered_chain(self, manager_client):
        events = [record_event(actor=None, action="test.tampered", data={"n": n})
                  for n in range(3)]
        sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', events[1].pk])

        html = page_of(manager_client).content.decode()

        assert f"Broken at event {events[1].pk}: its content does not match" in html
        assert 'role="alert"' in html

    def test_checks_a_head_noted_before(self, manager_client):
        events = [record_event(actor=None, action="test.head", data={"n": n}) for n in range(3)]

        kept = page_of(manager_client, expect_head=events[0].hash).content.decode()
        sql("DELETE FROM audit_auditevent WHERE id >= %s", [events[1].pk])
        truncated = page_of(manager_client, expect_head=events[2].hash).content.decode()

        assert f"event {events[0].pk}, 2 events since" in kept
        assert "truncated or rewritten" in truncated

    def test_marks_a_malformed_date_or_head_and_lists_nothing(self, manager_client):
        record_event(actor=None, action="test.listed")

        response = page_of(manager_client, **{"from": "2031-02-30", "expect_head": "zz"})

        html = response.content.decode()
        assert response.context["rows"] == []
        assert "Enter a valid date." in html
        assert "is not a head hash" in html
        assert "Some filters are not valid" in html

    def test_refuses_a_range_that_ends_before_it_starts(self, manager_client):
        response = page_of(manager_client, **{"from": "2031-03-02", "to": "2031-03-01"})

        assert "The last day is before the first" in response.content.decode()

    def test_is_accessible_and_has_no_inline_code(self, manager_client):
        record_event(actor=None, action="test.structure",
                     data={"before": {"a": 1}, "after": {"a": 2}})

        structure = PageStructure()
        structure.feed(page_of(manager_client).content.decode())

        assert structure.h1 == 1
        assert structure.tables == structure.captions >= 2
        assert structure.th_without_scope == 0
        assert structure.input_ids
        assert set(structure.input_ids) <= structure.label_fors
        assert structure.inline_code == []

    @pytest.mark.parametrize("person", ["annotator", "reviewer"])
    def test_is_not_found_for_workers(self, client, request, person):
        client.force_login(request.getfixturevalue(person))

        assert page_of(client).status_code == 404
        assert client.get(reverse("compliance:audit-csv")).status_code == 404

    def test_is_open_to_compliance_officers(self, client):
        client.force_login(make_person("officer.fay", Role.COMPLIANCE_OFFICER))

        assert page_of(client).status_code == 200

    def test_sends_anonymous_users_to_log_in(self, client):
        response = page_of(client)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestAuditCsv:
    def test_streams_the_filtered_events_oldest_first(self, manager_client, manager):
        record_event(actor=manager, action="test.csv.one", data={"n": 1})
        record_event(actor=manager, action="test.csv.two", data={"n": 2})
        record_event(actor=manager, action="test.other")

        response = manager_client.get(reverse("compliance:audit-csv"), {"action": "test.csv."})

        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [row["action"] for row in rows] == ["test.csv.one", "test.csv.two"]
        event = AuditEvent.objects.get(action="test.csv.one")
        assert rows[0] == {"id": str(event.pk), "created_at": event.created_at.isoformat(),
                           "actor": manager.username, "actor_id": str(manager.pk),
                           "action": "test.csv.one", "target_type": "", "target_id": "",
                           "data": '{"n":1}', "keyed": "true", "prev_hash": event.prev_hash,
                           "hash": event.hash}

    def test_neutralises_cells_a_spreadsheet_would_run_as_formulas(self, manager_client):
        for action in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"):
            record_event(actor=None, action=action, target_type="=cmd|' /C calc'!A0")

        response = manager_client.get(reverse("compliance:audit-csv"),
                                      {"target_type": "=cmd|' /C calc'!A0"})

        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert sorted(row["action"] for row in rows) == [
            "'+1+1", "'-2+3", "'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
        assert {row["target_type"] for row in rows} == {"'=cmd|' /C calc'!A0"}

    def test_answers_a_malformed_date_with_the_page_and_400(self, manager_client):
        response = manager_client.get(reverse("compliance:audit-csv"), {"to": "yesterday"})

        assert response.status_code == 400
        assert "Enter a valid date." in response.content.decode()
