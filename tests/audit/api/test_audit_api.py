import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotators.models import Role
from annotators.services import api_token_issue
from audit.services import record_event
from tests.audit.tampering import sql
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager) -> APIClient:
    client = APIClient()
    client.force_authenticate(manager)
    return client


def events_url() -> str:
    return reverse("api:compliance:audit-event-list")


def chain_url() -> str:
    return reverse("api:compliance:audit-chain")


class TestAuditEventListApi:
    def test_lists_the_filtered_events_newest_first_a_page_at_a_time(self, api, manager):
        for n in range(3):
            record_event(actor=manager, action="test.api.listed", data={"n": n})
        record_event(actor=manager, action="test.api.other")

        response = api.get(events_url(), {"action": "test.api.listed", "actor": manager.username,
                                          "page_size": 2})

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert [event["data"]["n"] for event in body["results"]] == [2, 1, 0][:2]
        assert "action=test.api.listed" in body["next"]
        first = body["results"][0]
        assert set(first) == {"id", "created_at", "actor", "actor_id", "action", "target_type",
                              "target_id", "data", "keyed", "prev_hash", "hash"}
        assert first["actor"] == manager.username
        assert first["keyed"] is True

    def test_filters_by_prefix_object_and_dates(self, api, manager):
        event = record_event(actor=None, action="test.api.dated", target_type="safety.label",
                             target_id=17)
        day = event.created_at.date().isoformat()

        found = api.get(events_url(), {"action": "test.api.", "target_type": "safety.label",
                                       "target_id": "17", "from": day, "to": day})
        later = api.get(events_url(), {"action": "test.api.", "from": "2999-01-01"})

        assert [e["id"] for e in found.json()["results"]] == [event.pk]
        assert later.json()["results"] == []

    def test_ignores_filters_sent_empty(self, api):
        event = record_event(actor=None, action="test.api.empty_filters")

        response = api.get(events_url() + "?action=test.api.empty_filters&from=&to=&actor=")

        assert [e["id"] for e in response.json()["results"]] == [event.pk]

    @pytest.mark.parametrize(("query", "field"), [
        ({"from": "2031-02-30"}, "from"), ({"to": "last tuesday"}, "to"),
        ({"from": "2031-03-02", "to": "2031-03-01"}, "to")])
    def test_answers_a_bad_date_with_400_naming_the_field(self, api, query, field):
        response = api.get(events_url(), query)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert list(response.json()["detail"]) == [field]

    @pytest.mark.parametrize("person", ["annotator", "reviewer"])
    def test_is_not_found_for_workers(self, request, person):
        client = APIClient()
        client.force_authenticate(request.getfixturevalue(person))

        assert client.get(events_url()).status_code == 404
        assert client.get(chain_url()).status_code == 404

    def test_refuses_anonymous_callers(self):
        assert APIClient().get(events_url()).status_code in {401, 403}
        assert APIClient().get(chain_url()).status_code in {401, 403}

    def test_serves_compliance_officers_with_a_token(self):
        officer = make_person("officer.gil", Role.COMPLIANCE_OFFICER)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=officer)[1]}")

        assert client.get(events_url()).status_code == 200

    def test_makes_one_query_per_page_whatever_its_length(self, api,
                                                          django_assert_max_num_queries):
        for n in range(30):
            record_event(actor=None, action="test.api.queries", data={"n": n})

        with django_assert_max_num_queries(4):
            response = api.get(events_url(), {"action": "test.api.queries"})

        assert len(response.json()["results"]) == 30


class TestAuditChainApi:
    def test_reports_an_intact_chain_and_its_head(self, api):
        events = [record_event(actor=None, action="test.api.chain") for _ in range(2)]

        response = api.get(chain_url())

        assert response.status_code == 200
        body = response.json()
        assert body["intact"] is True
        assert body["head_hash"] == events[-1].hash
        assert body["events_checked"] >= 2
        assert body["first_break"] is None
        assert body["expected_head"] is None

    def test_reports_the_events_since_an_expected_head(self, api):
        events = [record_event(actor=None, action="test.api.chain") for _ in range(3)]

        body = api.get(chain_url(), {"expect_head": events[0].hash.upper()}).json()

        assert body["intact"] is True
        assert body["expected_head"] == {"hash": events[0].hash, "found": True,
                                         "event_id": events[0].pk, "events_since": 2}

    def test_reports_a_truncated_trail_as_broken(self, api):
        events = [record_event(actor=None, action="test.api.chain") for _ in range(3)]
        sql("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])

        body = api.get(chain_url(), {"expect_head": events[-1].hash}).json()

        assert body["intact"] is False
        assert body["head_hash"] == events[1].hash
        assert body["expected_head"]["found"] is False
        assert body["first_break"]["event_id"] is None
        assert "truncated" in body["first_break"]["reason"]

    def test_reports_the_first_altered_event(self, api):
        events = [record_event(actor=None, action="test.api.chain", data={"n": n})
                  for n in range(2)]
        sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 7}', events[0].pk])

        body = api.get(chain_url()).json()

        assert body["intact"] is False
        assert body["first_break"]["event_id"] == events[0].pk

    def test_answers_a_malformed_head_with_400_naming_the_field(self, api):
        response = api.get(chain_url(), {"expect_head": "abc"})

        assert response.status_code == 400
        assert list(response.json()["detail"]) == ["expect_head"]
