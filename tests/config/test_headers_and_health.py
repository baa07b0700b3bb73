"""Headers and small leaks: no copies of pages in caches, a request id from the error page to
the log, a health check that names what is down, and deployment checks."""

import io
import logging
import socket

import pytest
from django.db import OperationalError, connections
from django.test import Client

from annotators.models import Role
from config.celery import app as celery_app
from config.checks import check_broker_password, credentials_shared
from config.log_filters import RequestId
from demo.checks import check_demo_accounts
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestNoStore:
    @pytest.mark.parametrize("path", ["/api/v1/risk-categories/", "/annotate/", "/healthz",
                                      "/rules/"])
    def test_pages_and_api_answers_are_not_kept(self, annotator_client, path):
        response = annotator_client.get(path)

        assert "no-store" in response["Cache-Control"]

    def test_a_download_is_not_kept(self, manager_client, manager):
        from review.services import export_job_create, export_job_run
        from tests.review_setup import review_task

        task, _, _ = review_task(manager, name="No store", items=2, batch_size=2)
        job = export_job_run(job_id=export_job_create(actor=manager, task_id=task.pk,
                                                      format="csv").pk)

        response = manager_client.get(f"/api/v1/exports/{job.pk}/download/")

        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


class TestSignOut:
    def test_signing_out_tells_the_browser_to_forget_the_site(self, annotator_client):
        response = annotator_client.post("/accounts/logout/")

        assert response.status_code == 302
        assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
        assert annotator_client.get("/annotate/").status_code == 302


def console_handler() -> logging.Handler:
    return next(handler for handler in logging.getLogger().handlers
                if any(isinstance(one, RequestId) for one in handler.filters))


class TestRequestId:
    def test_every_answer_names_its_request_and_a_404_page_shows_it(self, annotator_client):
        response = annotator_client.get("/no/such/page/")

        request_id = response["X-Request-ID"]
        assert len(request_id) == 32
        assert request_id in response.content.decode()
        assert annotator_client.get("/no/such/page/")["X-Request-ID"] != request_id

    def test_a_proxy_s_plain_id_is_kept_and_anything_else_replaced(self, annotator_client):
        kept = annotator_client.get("/healthz", HTTP_X_REQUEST_ID="edge-1234abcd")
        replaced = annotator_client.get("/healthz", HTTP_X_REQUEST_ID="x\nforged log line")

        assert kept["X-Request-ID"] == "edge-1234abcd"
        assert "\n" not in replaced["X-Request-ID"]
        assert len(replaced["X-Request-ID"]) == 32

    def test_a_server_error_page_shows_the_id_its_log_line_carries(self, annotator, monkeypatch):
        monkeypatch.setattr("config.views.home_url_for",
                            lambda user: (_ for _ in ()).throw(RuntimeError("secret internals")))
        client = Client(raise_request_exception=False)
        client.force_login(annotator)
        handler = console_handler()
        stream = io.StringIO()
        previous = handler.setStream(stream)
        try:
            response = client.get("/")
        finally:
            handler.setStream(previous)

        request_id = response["X-Request-ID"]
        assert response.status_code == 500
        assert request_id in response.content.decode()
        assert "secret internals" not in response.content.decode()
        logged = stream.getvalue()
        assert f"[{request_id}]" in logged
        assert "RuntimeError: secret internals" in logged

    def test_an_api_server_error_names_the_request_in_its_body(self, annotator, monkeypatch):
        monkeypatch.setattr("rules.api.RiskCategoryListApi.get",
                            lambda *args, **kwargs: 1 / 0)
        client = Client(raise_request_exception=False)
        client.force_login(annotator)

        response = client.get("/api/v1/risk-categories/")

        assert response.status_code == 500
        assert response.json()["detail"]["request_id"] == response["X-Request-ID"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestHealth:
    def test_it_names_each_part_and_answers_without_login(self, client):
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {
            "database": "ok", "safety_database": "ok", "broker": "not used"}}

    def test_a_safety_database_out_of_reach_is_named(self, client, monkeypatch):
        def refuse():
            raise OperationalError("connection refused")
        monkeypatch.setattr(connections["safety"], "cursor", refuse)

        response = client.get("/healthz")

        assert response.status_code == 503
        assert response.json() == {"status": "down", "checks": {
            "database": "ok", "safety_database": "down", "broker": "not used"}}

    def test_a_broker_out_of_reach_is_named(self, client):
        previous = celery_app.conf.broker_write_url
        celery_app.conf.task_always_eager = False       # restored by the autouse fixture
        celery_app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port()}/0"
        try:
            response = client.get("/healthz")
        finally:
            celery_app.conf.broker_write_url = previous

        assert response.status_code == 503
        assert response.json()["checks"]["broker"] == "down"


class TestDeploymentChecks:
    def test_demo_accounts_are_named_when_other_hosts_are_served(self, settings):
        make_person("manager.lin", Role.MANAGER)
        settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        assert check_demo_accounts() == []          # on this machine only: fine

        settings.ALLOWED_HOSTS = ["awm.example.org"]
        warnings = check_demo_accounts()

        assert [warning.id for warning in warnings] == ["awm.W003"]
        assert "manager.lin" in warnings[0].msg

    def test_both_databases_with_one_login_are_named(self):
        base = {"ENGINE": "django.db.backends.postgresql", "USER": "awm", "PASSWORD": "x"}

        assert credentials_shared({"default": base, "safety": {**base, "NAME": "safety"}})
        assert not credentials_shared({"default": base,
                                       "safety": {**base, "USER": "awm_safety"}})

    @pytest.mark.parametrize(("url", "warned"), [
        ("redis://broker.internal:6379/0", True),
        ("redis://:s3cret@broker.internal:6379/0", False),
        ("redis://127.0.0.1:6379/0", False),
        ("memory://localhost/", False)])
    def test_a_broker_off_this_machine_without_a_password_is_named(self, settings, url,
                                                                    warned):
        settings.CELERY_BROKER_URL = url

        assert [warning.id for warning in check_broker_password()] == \
            (["awm.W002"] if warned else [])
