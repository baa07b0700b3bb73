import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from rest_framework.test import APIClient

from annotators.models import ApiToken, Role
from annotators.services import api_token_issue
from audit.models import AuditEvent
from tests.annotators.two_factor import current_code, enrol
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def obtain(username: str, password: str = PASSWORD, **extra):
    return APIClient().post(reverse("api:auth-token"),
                            {"username": username, "password": password, **extra},
                            format="json")


def holding(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


class TestTokenObtainApi:
    def test_issues_a_token_that_works_and_shows_its_secret_once(self, annotator):
        response = obtain(annotator.username, name="my script")

        body = response.json()
        assert response.status_code == 200
        assert set(body) == {"id", "name", "created", "expiry", "user", "token"}
        assert body["user"] == annotator.username
        token = ApiToken.objects.get(pk=body["id"])
        assert token.user == annotator
        assert token.name == "my script"
        assert holding(body["token"]).get(reverse("api:auth-token-list")).status_code == 200

    def test_refuses_a_wrong_password_without_a_token(self, annotator):
        response = obtain(annotator.username, "not-the-password")

        assert response.status_code == 400
        assert response.json()["code"] == "sign_in_refused"
        assert not ApiToken.objects.filter(user=annotator).exists()

    def test_refuses_a_deactivated_account(self, annotator):
        annotator.is_active = False
        annotator.save(update_fields=["is_active"])

        response = obtain(annotator.username)

        assert response.status_code == 400
        assert not ApiToken.objects.filter(user=annotator).exists()

    def test_issues_a_manager_a_token_without_a_code_while_two_factor_is_off(self, manager,
                                                                           settings):
        settings.REQUIRE_TWO_FACTOR = False

        response = obtain(manager.username)

        assert response.status_code == 200
        assert ApiToken.objects.filter(user=manager).count() == 1


class TestTokenObtainApiWithTwoFactor:
    @pytest.fixture(autouse=True)
    def _two_factor_on(self, settings):
        settings.REQUIRE_TWO_FACTOR = True

    def test_refuses_a_manager_without_a_code(self, manager):
        enrol(manager)

        response = obtain(manager.username)

        assert response.status_code == 400
        assert response.json()["code"] == "two_factor_code_required"
        assert not ApiToken.objects.filter(user=manager).exists()

    def test_refuses_a_manager_with_a_wrong_code_and_records_it(self, manager):
        enrol(manager)

        response = obtain(manager.username, otp="000000")

        assert response.status_code == 400
        assert response.json()["code"] == "two_factor_code_wrong"
        assert not ApiToken.objects.filter(user=manager).exists()
        assert AuditEvent.objects.filter(action="auth.two_factor_failed",
                                         target_id=str(manager.pk)).exists()

    def test_a_failed_sign_in_keeps_no_code_in_its_record(self, manager):
        enrol(manager)

        APIClient().post(reverse("api:auth-token"), {"username": manager.username,
                                                     "password": "wrong-password-1",
                                                     "otp": "RECOVERY123"})

        [attempt] = AccessAttempt.objects.filter(username=manager.username)
        assert "otp=" in attempt.post_data
        assert "RECOVERY123" not in attempt.post_data

    def test_issues_a_manager_a_token_with_the_apps_code(self, manager):
        device, _ = enrol(manager)

        response = obtain(manager.username, otp=current_code(device, steps_ahead=1))

        assert response.status_code == 200
        event = AuditEvent.objects.get(action="api_token.issued", target_id=str(manager.pk))
        assert event.data["two_factor"] is True

    def test_a_recovery_code_works_once(self, manager):
        _, codes = enrol(manager)

        first = obtain(manager.username, otp=codes[0])
        again = obtain(manager.username, otp=codes[0])

        assert first.status_code == 200
        assert again.status_code == 400
        assert ApiToken.objects.filter(user=manager).count() == 1

    def test_refuses_a_compliance_officer_who_has_not_set_up_two_factor(self):
        officer = make_person("officer.api", Role.COMPLIANCE_OFFICER)

        response = obtain(officer.username, otp="123456")

        assert response.status_code == 403
        assert response.json()["code"] == "two_factor_not_enrolled"
        assert "set up an authenticator app" in response.json()["message"]

    def test_refuses_a_staff_member_without_a_code(self, annotator):
        annotator.is_staff = True
        annotator.save(update_fields=["is_staff"])
        enrol(annotator)

        assert obtain(annotator.username).status_code == 400

    def test_asks_an_annotator_for_no_code(self, annotator):
        response = obtain(annotator.username)

        assert response.status_code == 200


class TestTokenListApi:
    def test_lists_my_live_tokens_without_their_secrets(self, annotator, reviewer):
        mine, secret = api_token_issue(user=annotator, name="script")
        api_token_issue(user=reviewer)

        response = holding(secret).get(reverse("api:auth-token-list"))

        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["id"] == mine.pk
        assert set(row) == {"id", "name", "created", "expiry", "user"}
        assert secret[:15] not in response.content.decode()

    def test_refuses_anonymous_callers(self):
        response = APIClient().get(reverse("api:auth-token-list"))

        assert response.status_code in {401, 403}


class TestTokenRevokeApi:
    def test_revokes_the_token_used_to_call_it(self, annotator):
        token, secret = api_token_issue(user=annotator)

        response = holding(secret).post(reverse("api:auth-token-revoke", args=[token.pk]))

        assert response.status_code == 204
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert holding(secret).get(reverse("api:auth-token-list")).status_code == 401
        assert AuditEvent.objects.filter(action="api_token.revoked",
                                         target_id=str(annotator.pk)).exists()

    def test_answers_404_for_someone_elses_token(self, annotator, reviewer):
        theirs, _ = api_token_issue(user=reviewer)
        _, secret = api_token_issue(user=annotator)

        response = holding(secret).post(reverse("api:auth-token-revoke", args=[theirs.pk]))

        assert response.status_code == 404
        assert response.json()["code"] == "token_not_found"
        assert ApiToken.objects.filter(pk=theirs.pk).exists()

    def test_lets_a_manager_revoke_anyones_token(self, manager, annotator):
        theirs, _ = api_token_issue(user=annotator)
        client = APIClient()
        client.force_authenticate(manager)

        response = client.post(reverse("api:auth-token-revoke", args=[theirs.pk]))

        assert response.status_code == 204
        assert not ApiToken.objects.filter(pk=theirs.pk).exists()


class TestTokenRevokeAllApi:
    def test_revokes_all_my_tokens(self, annotator, reviewer):
        for _ in range(2):
            api_token_issue(user=annotator)
        theirs, _ = api_token_issue(user=reviewer)
        _, secret = api_token_issue(user=annotator)

        response = holding(secret).post(reverse("api:auth-token-revoke-all"))

        assert response.status_code == 200
        assert response.json() == {"revoked": 3}
        assert not ApiToken.objects.filter(user=annotator).exists()
        assert ApiToken.objects.filter(pk=theirs.pk).exists()


class TestPersonTokenApis:
    def test_a_manager_lists_and_revokes_a_persons_tokens(self, manager, annotator):
        token, _ = api_token_issue(user=annotator)
        client = APIClient()
        client.force_authenticate(manager)

        listing = client.get(reverse("api:auth-person-token-list", args=[annotator.pk]))
        revoked = client.post(reverse("api:auth-person-token-revoke-all", args=[annotator.pk]))

        assert [row["id"] for row in listing.json()["results"]] == [token.pk]
        assert revoked.json() == {"revoked": 1}
        assert not ApiToken.objects.filter(user=annotator).exists()
        event = AuditEvent.objects.get(action="api_token.revoked")
        assert (event.actor, event.data["reason"]) == (manager, "revoked_by_manager")

    def test_refuses_workers(self, annotator, reviewer):
        token, _ = api_token_issue(user=reviewer)
        client = APIClient()
        client.force_authenticate(annotator)

        listing = client.get(reverse("api:auth-person-token-list", args=[reviewer.pk]))
        revoked = client.post(reverse("api:auth-person-token-revoke-all", args=[reviewer.pk]))

        assert listing.status_code == revoked.status_code == 403
        assert ApiToken.objects.filter(pk=token.pk).exists()

    @pytest.mark.parametrize("person_id", [987654, 10 ** 22])
    def test_answers_404_for_an_unknown_person(self, manager, person_id):
        client = APIClient()
        client.force_authenticate(manager)

        revoked = client.post(reverse("api:auth-person-token-revoke-all", args=[person_id]))
        listed = client.get(reverse("api:auth-person-token-list", args=[person_id]))

        assert (revoked.status_code, listed.status_code) == (404, 404)
