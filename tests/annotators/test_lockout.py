import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from annotators.models import Role
from annotators.services import AccountNotLocked, AccountPermissionDenied, person_unlock
from audit.models import AuditEvent
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

OFFICE = "198.51.100.20"
HOME = "203.0.113.99"
WRONG = "wrong-password-41"


def sign_in(client, username: str, password: str = PASSWORD, address: str = OFFICE):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def fail_until_locked(client, username: str, address: str = OFFICE) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, WRONG, address)


@pytest.fixture
def colleague(db):
    return make_person("ann.colleague", Role.ANNOTATOR)


class TestAccountLockout:
    def test_locks_the_account_that_failed_and_names_it(self, client, annotator):
        fail_until_locked(client, annotator.username)

        response = sign_in(client, annotator.username)

        html = response.content.decode()
        assert response.status_code == 429
        assert f"The account “{annotator.username}” is locked" in html
        assert "ask a manager to unlock it" in html
        assert "_auth_user_id" not in client.session

    def test_does_not_lock_another_account_signing_in_from_the_same_address(
            self, client, annotator, colleague):
        fail_until_locked(client, annotator.username)

        response = sign_in(client, colleague.username)

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(colleague.pk)

    def test_keeps_the_account_locked_from_another_address(self, client, annotator):
        fail_until_locked(client, annotator.username, OFFICE)

        response = sign_in(client, annotator.username, address=HOME)

        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_locks_the_api_token_endpoint_too_with_a_json_answer(self, client, annotator):
        fail_until_locked(client, annotator.username)

        response = APIClient().post(reverse("api:auth-token"),
                                    {"username": annotator.username, "password": PASSWORD},
                                    REMOTE_ADDR=HOME)

        assert response.status_code == 429
        assert response.json()["code"] == "account_locked"
        assert annotator.username in response.json()["message"]
        assert int(response["Retry-After"]) > 0


class TestAddressThrottle:
    def test_throttles_an_address_after_many_failures_across_accounts(self, client,
                                                                     annotator):
        limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        for n in range(limit):
            sign_in(client, f"guess.{n % 25}", WRONG)

        refused = sign_in(client, annotator.username)
        elsewhere = sign_in(client, annotator.username, address=HOME)

        html = refused.content.decode()
        assert limit == 50
        assert refused.status_code == 429
        assert "Sign-ins from your network address are paused" in html
        assert "No account is locked" in html
        assert annotator.username not in html.split("<main", 1)[1]
        assert elsewhere.status_code == 302
        [event] = AuditEvent.objects.filter(action="auth.locked_out",
                                            data__ip_address=OFFICE)
        assert (event.data["failures"], event.data["failure_limit"]) == (50, 50)

    def test_does_not_throttle_an_address_below_its_limit(self, client, annotator):
        for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
            sign_in(client, f"guess.{n % 12}", WRONG)

        assert sign_in(client, annotator.username).status_code == 302

    def test_refused_tries_from_a_throttled_address_lock_no_account(self, client, annotator,
                                                                    settings):
        settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
        for n in range(8):
            sign_in(client, f"guess.{n}", WRONG)

        retries = [sign_in(client, annotator.username).status_code
                   for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
        elsewhere = sign_in(client, annotator.username, address=HOME)

        assert set(retries) == {429}
        assert elsewhere.status_code == 302
        assert not AccessAttempt.objects.filter(username=annotator.username).exists()

    def test_the_address_limit_is_a_setting(self, client, annotator, settings):
        settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
        for n in range(8):
            sign_in(client, f"guess.{n}", WRONG)

        assert sign_in(client, annotator.username).status_code == 429


class TestPersonUnlock:
    def test_a_manager_unlocks_the_account_which_is_recorded_once_and_mailed(
            self, client, manager, annotator, django_capture_on_commit_callbacks):
        annotator.email = "bo@example.org"
        annotator.save(update_fields=["email"])
        fail_until_locked(client, annotator.username)

        with django_capture_on_commit_callbacks(execute=True):
            failures = person_unlock(actor=manager, user_id=annotator.pk)

        assert failures == settings.AXES_FAILURE_LIMIT
        assert sign_in(client, annotator.username, address=HOME).status_code == 302
        [event] = AuditEvent.objects.filter(action="auth.unlocked")
        assert (event.actor, event.target_id) == (manager, str(annotator.pk))
        assert event.data["failures"] == settings.AXES_FAILURE_LIMIT
        [message] = mail.outbox
        assert message.to == ["bo@example.org"]
        assert "unlocked" in message.subject
        assert annotator.username in message.body

    def test_unlocks_from_the_persons_page_with_a_post(self, client, manager, annotator,
                                                       django_capture_on_commit_callbacks):
        annotator.email = "bo@example.org"
        annotator.save(update_fields=["email"])
        fail_until_locked(client, annotator.username)
        client.force_login(manager)
        page = client.get(reverse("workforce:person-detail", args=[annotator.pk]))

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("workforce:person-unlock", args=[annotator.pk]),
                                   follow=True)

        assert "The account is locked after 5 failed sign-ins" in page.content.decode()
        assert 'data-confirm="Unlock the account' in page.content.decode()
        assert "Unlocked the account ann.bo" in response.content.decode()
        assert "Not locked" in response.content.decode()
        assert AuditEvent.objects.filter(action="auth.unlocked", actor=manager).count() == 1
        assert len(mail.outbox) == 1
        assert not AccessAttempt.objects.filter(username=annotator.username,
                                                failures_since_start__gt=0).exists()

    def test_the_unlock_needs_a_post(self, manager_client, annotator):
        response = manager_client.get(reverse("workforce:person-unlock", args=[annotator.pk]))

        assert response.status_code == 405

    def test_refuses_an_account_that_is_not_locked(self, manager, annotator):
        with pytest.raises(AccountNotLocked, match="is not locked"):
            person_unlock(actor=manager, user_id=annotator.pk)

        assert not AuditEvent.objects.filter(action="auth.unlocked").exists()

    def test_refuses_a_worker(self, client, annotator, colleague):
        fail_until_locked(client, annotator.username)

        with pytest.raises(AccountPermissionDenied):
            person_unlock(actor=colleague, user_id=annotator.pk)

        client.force_login(colleague)
        response = client.post(reverse("workforce:person-unlock", args=[annotator.pk]))
        assert response.status_code == 403
        assert sign_in(APIClient(), annotator.username).status_code == 429
