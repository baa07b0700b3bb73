import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.selectors import audit_chain_verify
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "wrong-password-Zq81"


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR="203.0.113.7")


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def everything_recorded() -> str:
    return json.dumps([list(row) for row in AuditEvent.objects.values_list()], default=str)


class TestLoginEvents:
    def test_a_successful_login_is_recorded_with_the_address(self, client, annotator):
        response = log_in(client, annotator.username, PASSWORD)

        assert response.status_code == 302
        [event] = events("auth.login", actor=annotator)
        assert event.actor_label == annotator.username
        assert (event.target_type, event.target_id) == ("auth.user", str(annotator.pk))
        assert event.data == {"ip_address": "203.0.113.7"}

    def test_a_failed_login_names_the_username_tried_and_the_address(self, client, annotator):
        response = log_in(client, annotator.username, WRONG_PASSWORD)

        assert response.status_code == 200
        [event] = events("auth.login_failed", target_id=str(annotator.pk))
        assert event.actor is None
        assert event.actor_label == "anonymous"
        assert event.data == {"username": annotator.username, "ip_address": "203.0.113.7"}

    def test_a_failed_login_of_an_unknown_name_targets_no_account(self, client):
        log_in(client, "nobody.here", WRONG_PASSWORD)

        [event] = [e for e in events("auth.login_failed")
                   if e.data["username"] == "nobody.here"]
        assert (event.target_type, event.target_id) == ("", "")

    def test_the_password_is_never_recorded(self, client, annotator):
        log_in(client, annotator.username, WRONG_PASSWORD)
        log_in(client, annotator.username, PASSWORD)

        recorded = everything_recorded()

        assert WRONG_PASSWORD not in recorded
        assert PASSWORD not in recorded
        assert events("auth.login_failed")
        assert events("auth.login")

    def test_a_lockout_is_recorded_once_with_its_limit_and_an_unlock_after(self, client,
                                                                            annotator,
                                                                            settings):
        limit = settings.AXES_FAILURE_LIMIT
        for _ in range(limit):
            log_in(client, annotator.username, WRONG_PASSWORD)
        refused = log_in(client, annotator.username, PASSWORD)

        assert refused.status_code == 429
        [lockout] = events("auth.locked_out")
        assert lockout.target_id == str(annotator.pk)
        assert lockout.data["username"] == annotator.username
        assert lockout.data["ip_address"] == "203.0.113.7"
        assert lockout.data["failures"] == lockout.data["failure_limit"] == limit
        assert lockout.data["cool_off_minutes"] == 15
        assert len(events("auth.login_failed", target_id=str(annotator.pk))) == limit + 1
        assert events("auth.login", actor=annotator) == []

        call_command("axes_reset_username", annotator.username)

        [unlock] = events("auth.unlocked")
        assert unlock.target_id == str(annotator.pk)
        assert unlock.data["failures"] == limit + 1
        assert log_in(client, annotator.username, PASSWORD).status_code == 302
        assert WRONG_PASSWORD not in everything_recorded()
        assert audit_chain_verify().intact

    def test_failures_cleared_below_the_limit_are_no_unlock(self, client, annotator):
        log_in(client, annotator.username, WRONG_PASSWORD)

        log_in(client, annotator.username, PASSWORD)

        assert events("auth.unlocked") == []


class TestRefusedRequestEvents:
    def test_a_page_refused_with_403_is_recorded_without_its_query(self, client, annotator):
        client.force_login(annotator)

        response = client.get(reverse("compliance:home") + "?token=s3cret-in-query",
                              REMOTE_ADDR="198.51.100.4")

        assert response.status_code == 403
        [event] = events("request.refused", actor=annotator)
        assert event.data == {"method": "GET", "path": reverse("compliance:home"),
                              "status": 403, "ip_address": "198.51.100.4",
                              "view": "compliance:home"}
        assert "s3cret-in-query" not in everything_recorded()

    def test_an_api_request_refused_with_403_is_recorded_without_its_body(self, client,
                                                                          annotator):
        client.force_login(annotator)

        response = client.post(reverse("api:annotation:task-list"),
                               {"name": "body-secret-value", "rule_version": 1},
                               content_type="application/json")

        assert response.status_code == 403
        [event] = events("request.refused", actor=annotator)
        assert event.data["method"] == "POST"
        assert event.data["view"] == "api:annotation:task-list"
        assert "body-secret-value" not in everything_recorded()

    def test_a_form_posted_without_its_csrf_token_is_recorded(self, annotator):
        client = Client(enforce_csrf_checks=True)
        client.force_login(annotator)

        response = client.post(reverse("logout"))

        assert response.status_code == 403
        [event] = events("request.refused", actor=annotator)
        assert event.data["path"] == reverse("logout")

    def test_other_answers_are_not_recorded(self, client, annotator):
        client.force_login(annotator)

        client.get(reverse("annotation:home"))
        client.get("/manage/no-such-page/")

        assert events("request.refused") == []
