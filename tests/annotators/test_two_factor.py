import base64
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from annotators.models import Role
from annotators.services import (
    TwoFactorAlreadyEnrolled,
    TwoFactorCodeWrong,
    api_token_issue,
    two_factor_enrolment_confirm,
    two_factor_enrolment_start,
    two_factor_reset,
)
from audit.models import AuditEvent
from tests.annotators.two_factor import current_code, enrol, verified_session
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

ENROL = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/"


@pytest.fixture
def two_factor_on(settings):
    settings.REQUIRE_TWO_FACTOR = True


def sign_in(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


class TestTwoFactorRequired:
    def test_is_off_in_development_so_a_manager_goes_straight_in(self, client, manager,
                                                                 settings):
        assert settings.REQUIRE_TWO_FACTOR is False

        sign_in(client, manager.username)

        assert client.get("/manage/").status_code == 200

    def test_sends_a_signed_in_manager_without_an_app_to_set_one_up(self, client, manager,
                                                                   two_factor_on):
        sign_in(client, manager.username)

        response = client.get("/manage/")

        assert response.status_code == 302
        assert response.url == f"{ENROL}?next=%2Fmanage%2F"

    def test_sends_an_enrolled_manager_to_give_the_code(self, client, manager, two_factor_on):
        enrol(manager)
        sign_in(client, manager.username)

        response = client.get("/workforce/people/")

        assert response.status_code == 302
        assert response.url == f"{VERIFY}?next=%2Fworkforce%2Fpeople%2F"

    @pytest.mark.parametrize("url", ["/", "/manage/", "/workforce/people/", "/accounts/",
                                     "/admin/", "/api/docs/", "/rules/risk-categories/"])
    def test_keeps_an_unverified_manager_from_every_page(self, client, manager, two_factor_on,
                                                         url):
        enrol(manager)
        client.force_login(manager)

        response = client.get(url, HTTP_ACCEPT="text/html")

        assert response.status_code == 302
        assert response.url.startswith(VERIFY)

    def test_keeps_an_unverified_managers_session_from_the_api(self, client, manager,
                                                               two_factor_on):
        enrol(manager)
        client.force_login(manager)

        response = client.get(reverse("api:workforce:credential-list"))

        assert response.status_code == 403
        assert response.json()["code"] == "two_factor_required"
        assert AuditEvent.objects.filter(action="request.refused", actor=manager).exists()

    @pytest.mark.parametrize("role", [Role.COMPLIANCE_OFFICER, Role.MANAGER])
    def test_applies_to_compliance_officers_and_managers(self, client, two_factor_on, role):
        person = make_person(f"p.{role.value}", role)
        client.force_login(person)

        assert client.get("/").status_code == 302
        assert client.get("/").url.startswith(ENROL)

    def test_applies_to_staff(self, client, annotator, two_factor_on):
        annotator.is_staff = True
        annotator.save(update_fields=["is_staff"])
        client.force_login(annotator)

        assert client.get("/annotate/").url.startswith(ENROL)

    def test_lets_annotators_and_reviewers_in_without_a_code(self, client, annotator,
                                                             reviewer, two_factor_on):
        client.force_login(annotator)
        assert client.get("/annotate/").status_code == 200

        client.force_login(reviewer)
        assert client.get("/review/").status_code == 200

    def test_lets_a_verified_manager_in(self, client, manager, two_factor_on):
        device, _ = enrol(manager)
        verified_session(client, manager, device)

        assert client.get("/manage/").status_code == 200
        assert client.get(reverse("api:workforce:credential-list")).status_code == 200

    def test_lets_a_manager_with_a_token_use_the_api(self, client, manager, two_factor_on):
        _, secret = api_token_issue(user=manager, two_factor=True)

        response = client.get(reverse("api:workforce:credential-list"),
                              HTTP_AUTHORIZATION=f"Token {secret}")

        assert response.status_code == 200

    def test_lets_an_unverified_manager_sign_out(self, client, manager, two_factor_on):
        client.force_login(manager)

        response = client.post(reverse("logout"))

        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


class TestVerifyPage:
    def test_the_right_code_lets_the_manager_through_to_where_they_were_going(
            self, client, manager, two_factor_on):
        device, _ = enrol(manager)
        sign_in(client, manager.username)

        response = client.post(VERIFY, {"code": current_code(device, steps_ahead=1),
                                        "next": "/workforce/people/"})

        assert response.status_code == 302
        assert response.url == "/workforce/people/"
        assert client.get("/workforce/people/").status_code == 200
        assert AuditEvent.objects.filter(action="auth.two_factor_verified",
                                         target_id=str(manager.pk)).exists()

    def test_a_wrong_code_keeps_the_manager_out_and_says_what_to_do(self, client, manager,
                                                                   two_factor_on):
        enrol(manager)
        sign_in(client, manager.username)

        response = client.post(VERIFY, {"code": "000000"})

        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
        assert client.get("/manage/").status_code == 302
        assert AuditEvent.objects.filter(action="auth.two_factor_failed").exists()

    def test_a_wrong_code_makes_even_the_right_one_wait(self, client, manager, two_factor_on):
        device, _ = enrol(manager)
        client.force_login(manager)

        client.post(VERIFY, {"code": "000000"})
        response = client.post(VERIFY, {"code": current_code(device, steps_ahead=1)})

        device.refresh_from_db()
        assert response.status_code == 200
        assert device.throttling_failure_count == 1
        assert client.get("/manage/").status_code == 302

    def test_a_recovery_code_lets_the_manager_in_once(self, client, manager, two_factor_on):
        _, codes = enrol(manager)
        client.force_login(manager)

        response = client.post(VERIFY, {"code": codes[0]})

        assert response.status_code == 302
        assert client.get("/manage/").status_code == 200
        assert not StaticToken.objects.filter(token=codes[0]).exists()
        assert StaticToken.objects.filter(device__user=manager).count() == len(codes) - 1

    def test_a_next_address_off_the_site_is_ignored(self, client, manager, two_factor_on):
        device, _ = enrol(manager)
        client.force_login(manager)

        response = client.post(VERIFY, {"code": current_code(device, steps_ahead=1),
                                        "next": "https://evil.example/"})

        assert response.url == "/"

    def test_the_page_has_one_heading_and_a_labelled_field(self, client, manager,
                                                          two_factor_on):
        enrol(manager)
        client.force_login(manager)

        html = client.get(VERIFY).content.decode()

        assert html.count("<h1") == 1
        assert '<label for="id_code">Code</label>' in html
        assert 'autocomplete="one-time-code"' in html


class TestEnrolPage:
    def test_shows_a_qr_code_inline_and_the_key_once_set_up_starts(self, client, manager,
                                                                  two_factor_on):
        client.force_login(manager)

        client.post(ENROL, {"step": "start"})
        html = client.get(ENROL).content.decode()

        device = TOTPDevice.objects.get(user=manager, confirmed=False)
        image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
        assert image is not None
        assert base64.b64decode(image.group(1)).startswith(b"<?xml")
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        assert secret[:4] in html
        assert "<script" not in html.split("<main", 1)[1]
        assert "style=" not in html

    def test_confirming_with_the_apps_code_shows_the_recovery_codes_once(self, client,
                                                                        manager,
                                                                        two_factor_on):
        client.force_login(manager)
        client.post(ENROL, {"step": "start"})
        device = TOTPDevice.objects.get(user=manager)

        response = client.post(ENROL, {"step": "confirm", "code": current_code(device),
                                       "next": "/manage/"})

        codes = list(StaticToken.objects.filter(device__user=manager)
                     .values_list("token", flat=True))
        html = response.content.decode()
        assert response.status_code == 200
        assert len(codes) == 10
        assert all(code in html for code in codes)
        assert TOTPDevice.objects.get(pk=device.pk).confirmed
        assert client.get("/manage/").status_code == 200
        again = client.get(ENROL)
        assert again.status_code == 302
        assert not any(code in client.get("/accounts/").content.decode() for code in codes)
        assert AuditEvent.objects.filter(action="two_factor.enrolled").count() == 1

    def test_a_wrong_first_code_confirms_nothing(self, client, manager, two_factor_on):
        client.force_login(manager)
        client.post(ENROL, {"step": "start"})

        response = client.post(ENROL, {"step": "confirm", "code": "000000"})

        assert "That code is not right" in response.content.decode()
        assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
        assert not StaticToken.objects.filter(device__user=manager).exists()


class TestTwoFactorServices:
    def test_refuses_to_start_again_once_enrolled(self, manager):
        enrol(manager)

        with pytest.raises(TwoFactorAlreadyEnrolled):
            two_factor_enrolment_start(user=manager)

    def test_keeps_the_throttle_of_a_wrong_first_code(self, manager):
        pending = two_factor_enrolment_start(user=manager)

        with pytest.raises(TwoFactorCodeWrong):
            two_factor_enrolment_confirm(user=manager, code="000000")

        pending.refresh_from_db()
        assert pending.throttling_failure_count == 1

    def test_a_manager_resets_someones_two_factor(self, manager):
        officer = make_person("officer.reset", Role.COMPLIANCE_OFFICER)
        enrol(officer)

        two_factor_reset(actor=manager, user_id=officer.pk)

        assert not TOTPDevice.objects.filter(user=officer).exists()
        assert not StaticToken.objects.filter(device__user=officer).exists()
        event = AuditEvent.objects.get(action="two_factor.reset")
        assert (event.actor, event.target_id) == (manager, str(officer.pk))

    def test_no_secret_reaches_the_audit_trail(self, manager):
        device, codes = enrol(manager)

        recorded = str(list(AuditEvent.objects.values_list("data", flat=True)))

        assert device.key not in recorded
        assert not any(code in recorded for code in codes)
