import re

import pytest
from django.urls import reverse

from tests.annotation_setup import join

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_no_inline_code(html: str) -> None:
    assert '<main id="main"' in html, "not a page of the site: nothing to scan"
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


class TestSecurityHeaders:
    def test_pages_carry_an_enforced_content_security_policy(self, annotator_client):
        response = annotator_client.get("/annotate/")

        directives = csp_directives(response)
        assert directives["object-src"] == "object-src 'none'"
        assert directives["base-uri"] == "base-uri 'none'"
        assert directives["frame-ancestors"] == "frame-ancestors 'none'"
        assert directives["script-src"] == "script-src 'self'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "Content-Security-Policy-Report-Only" not in response

    def test_pages_refuse_framing_and_sniffing(self, annotator_client):
        response = annotator_client.get("/annotate/")

        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"

    @pytest.mark.parametrize(("url", "status"), [
        ("/annotate/", 200), ("/review/", 200), ("/manage/", 200),
        ("/rules/risk-categories/", 200), ("/nowhere/", 404)])
    def test_no_page_has_an_inline_script(self, manager_client, url, status):
        response = manager_client.get(url)

        assert response.status_code == status
        assert_no_inline_code(response.content.decode())

    def test_the_sign_in_page_has_no_inline_script(self, client):
        response = client.get("/accounts/login/")

        assert response.status_code == 200
        assert_no_inline_code(response.content.decode())

    def test_the_labelling_page_has_no_inline_script(self, client, manager, annotator,
                                                     safety_task):
        join(manager, safety_task, annotator)
        client.force_login(annotator)

        response = client.get(f"/annotate/tasks/{safety_task.pk}/")

        assert response.status_code == 200
        assert 'id="labelling"' in response.content.decode()
        assert_no_inline_code(response.content.decode())


class TestBaseLayout:
    def test_has_a_skip_link_main_landmark_and_labelled_navigation(self, annotator_client):
        html = annotator_client.get("/annotate/").content.decode()

        assert '<a class="skip-link" href="#main">' in html
        assert '<main id="main"' in html
        assert '<nav aria-label="Main">' in html
        assert 'aria-current="page"' in html

    def test_static_files_are_served(self, client):
        response = client.get("/static/css/app.css")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css")


class TestErrorPages:
    def test_404_is_in_the_layout(self, annotator_client):
        response = annotator_client.get("/no-such-page/")

        html = response.content.decode()
        assert response.status_code == 404
        assert "Not found" in html
        assert 'class="skip-link"' in html

    def test_403_is_in_the_layout(self, annotator_client):
        response = annotator_client.get(reverse("compliance:home"))

        assert response.status_code == 403
        assert 'class="skip-link"' in response.content.decode()

    def test_400_is_in_the_layout(self, client):
        response = client.get("/accounts/login/", HTTP_HOST="not-an-allowed-host.example")

        assert response.status_code == 400
        assert "Bad request" in response.content.decode()

    def test_500_shows_no_stack_trace(self, client, annotator, monkeypatch):
        def explode(*args, **kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr("annotation.views.render", explode)
        client.raise_request_exception = False
        client.force_login(annotator)

        response = client.get("/annotate/")

        html = response.content.decode()
        assert response.status_code == 500
        assert "Something went wrong" in html
        assert "secret internals" not in html
        assert "Traceback" not in html

    def test_an_expired_form_is_explained(self, annotator):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)

        response = strict.post(reverse("login"), {"username": "x", "password": "y"})

        assert response.status_code == 403
        assert "Form expired" in response.content.decode()

    def test_api_errors_are_json_not_pages(self, annotator_client):
        response = annotator_client.get("/api/v1/risk-categories/A.9.z/")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"

    def test_an_unknown_api_path_is_a_json_404(self, client):
        response = client.get("/api/v1/no-such-endpoint/")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_an_api_crash_is_a_json_500_without_internals(self, annotator_client, monkeypatch):
        def explode(*args, **kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr("rules.selectors.risk_category_list", explode)
        annotator_client.raise_request_exception = False

        response = annotator_client.get("/api/v1/risk-categories/")

        assert response.status_code == 500
        assert response.json()["code"] == "server_error"
        assert "secret internals" not in response.content.decode()


class TestHealth:
    def test_answers_without_login_and_without_data(self, client):
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.json()["status"] == "ok"


class TestApiDocs:
    def test_schema_lists_the_risk_categories_endpoint(self, annotator_client):
        response = annotator_client.get("/api/schema/", HTTP_ACCEPT="application/json")

        assert response.status_code == 200
        assert "/api/v1/risk-categories/" in response.json()["paths"]

    def test_docs_use_local_assets_only(self, annotator_client):
        html = annotator_client.get("/api/docs/").content.decode()

        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
        assert not re.search(r"(src|href)=\"https?://", html)
        assert not INLINE_SCRIPT.search(html)

    def test_the_schema_generates_without_warnings(self, tmp_path):
        from django.core.management import call_command

        call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

        assert "/api/v1/rule-versions/{version_id}/publish/" in (
            tmp_path / "schema.yaml").read_text()

    def test_schema_and_docs_need_login(self, client):
        assert client.get("/api/schema/").status_code in {401, 403}
        assert client.get("/api/docs/").status_code in {302, 401, 403}

    @pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/?script=",
                                     "/api/docs/?format=json"])
    def test_the_docs_send_the_signed_out_to_sign_in(self, client, url):
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=/api/docs/")
        assert "swagger" not in response.content.decode().lower()

    @pytest.mark.parametrize("url", ["/api/schema/", "/api/schema/?format=json",
                                     "/api/schema/?format=yaml"])
    def test_the_schema_refuses_the_signed_out_in_every_format(self, client, url):
        response = client.get(url)

        assert response.status_code in {401, 403}
        assert "/api/v1/" not in response.content.decode()

    def test_the_schema_refuses_a_manager_who_has_not_given_the_second_factor(
            self, manager_client, settings):
        settings.REQUIRE_TWO_FACTOR = True

        response = manager_client.get("/api/schema/")

        assert response.status_code == 403
        assert "/api/v1/" not in response.content.decode()

    def test_docs_relax_styles_only(self, annotator_client):
        response = annotator_client.get("/api/docs/")

        directives = csp_directives(response)
        assert directives["script-src"] == "script-src 'self'"
        assert "'unsafe-inline'" in directives["style-src"]
