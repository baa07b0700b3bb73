import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from knox.crypto import hash_token
from rest_framework.test import APIClient

from annotators.authentication import ApiTokenAuthentication
from annotators.models import ApiToken
from annotators.selectors import TokenNotFound
from annotators.services import (
    PasswordChangeRefused,
    api_token_issue,
    api_token_revoke,
    api_token_revoke_all,
    credential_revoke,
    credential_suspend,
    password_change,
)
from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.workforce import later

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

NEW_PASSWORD = "another-long-password-77"


def calls_with(secret: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get(reverse("api:rules:risk-category-list"))


def everything_recorded() -> str:
    return str(list(AuditEvent.objects.values_list("data", flat=True)))


class TestApiTokenIssue:
    def test_stores_only_a_hash_of_the_secret(self, annotator):
        token, secret = api_token_issue(user=annotator, name="labelling script")

        stored = ApiToken.objects.get(pk=token.pk)
        assert stored.digest == hash_token(secret)
        assert secret not in {stored.digest, stored.token_key, stored.name}
        assert len(secret) == 64

    def test_expires_after_the_configured_hours(self, annotator, settings):
        settings.API_TOKEN_HOURS = 8
        with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
            token, _ = api_token_issue(user=annotator)

        assert token.expiry.isoformat() == "2026-03-02T17:00:00+00:00"

    def test_records_the_issue_without_the_secret(self, annotator):
        token, secret = api_token_issue(user=annotator, name="script")

        event = AuditEvent.objects.get(action="api_token.issued", target_id=str(annotator.pk))
        assert event.data["token_id"] == token.pk
        assert event.data["name"] == "script"
        assert event.data["two_factor"] is False
        assert secret not in everything_recorded()
        assert secret[:15] not in everything_recorded()

    def test_removes_the_holders_expired_tokens(self, annotator):
        old, _ = api_token_issue(user=annotator)

        with time_machine.travel(later(hours=30)):
            api_token_issue(user=annotator)

        assert not ApiToken.objects.filter(pk=old.pk).exists()


class TestTokenAuthentication:
    def test_a_live_token_authenticates_its_holder(self, annotator):
        _, secret = api_token_issue(user=annotator)

        assert calls_with(secret).status_code == 200

    def test_an_expired_token_is_refused(self, annotator, settings):
        settings.API_TOKEN_HOURS = 8
        _, secret = api_token_issue(user=annotator)

        with time_machine.travel(later(hours=8, minutes=1)):
            response = calls_with(secret)

        assert response.status_code == 401
        assert "expired or revoked" in response.json()["message"]

    def test_a_token_of_a_deactivated_account_is_refused(self, annotator):
        token, secret = api_token_issue(user=annotator)

        get_user_model().objects.filter(pk=annotator.pk).update(is_active=False)
        response = calls_with(secret)

        assert response.status_code == 401
        assert "deactivated" in response.json()["message"]
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_a_password_changed_outside_the_app_ends_the_token(self, annotator):
        token, secret = api_token_issue(user=annotator)

        person = get_user_model().objects.get(pk=annotator.pk)
        person.set_password(NEW_PASSWORD)
        person.save()
        response = calls_with(secret)

        assert response.status_code == 401
        assert not ApiToken.objects.filter(pk=token.pk).exists()

    def test_a_password_written_straight_to_the_table_ends_the_token(self, annotator):
        _, secret = api_token_issue(user=annotator)

        person = get_user_model().objects.get(pk=annotator.pk)
        person.set_password(NEW_PASSWORD)
        get_user_model().objects.filter(pk=annotator.pk).update(password=person.password)
        response = calls_with(secret)

        assert response.status_code == 401
        assert "password changed" in response.json()["message"]

    def test_suspending_every_credential_leaves_the_token_working(self, manager, annotator,
                                                                 credentialed):
        token, secret = api_token_issue(user=annotator)

        credential_suspend(actor=manager, credential_id=credentialed.pk, reason="Quality.")

        assert calls_with(secret).status_code == 200
        assert ApiToken.objects.filter(pk=token.pk).exists()

    def test_revoking_every_credential_leaves_the_token_working(self, manager, annotator,
                                                               credentialed):
        _, secret = api_token_issue(user=annotator)

        credential_revoke(actor=manager, credential_id=credentialed.pk, reason="Left.")

        assert calls_with(secret).status_code == 200

    def test_a_secret_that_only_starts_like_a_token_is_refused(self, annotator):
        _, secret = api_token_issue(user=annotator)

        assert calls_with(secret[:15] + "0" * 49).status_code == 401

    def test_makes_one_query_to_authenticate(self, annotator, django_assert_num_queries):
        _, secret = api_token_issue(user=annotator)

        with django_assert_num_queries(1):
            user, _ = ApiTokenAuthentication().authenticate_credentials(secret.encode())

        assert user == annotator


class TestApiTokenRevoke:
    def test_revokes_the_holders_own_token_and_records_it(self, annotator):
        token, secret = api_token_issue(user=annotator)

        api_token_revoke(actor=annotator, token_id=token.pk)

        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert calls_with(secret).status_code == 401
        event = AuditEvent.objects.get(action="api_token.revoked", target_id=str(annotator.pk))
        assert event.actor == annotator
        assert event.data == {"token_ids": [token.pk], "reason": "revoked_by_holder"}

    def test_a_manager_revokes_anyones_token(self, manager, annotator):
        token, _ = api_token_issue(user=annotator)

        api_token_revoke(actor=manager, token_id=token.pk)

        assert not ApiToken.objects.filter(pk=token.pk).exists()
        event = AuditEvent.objects.get(action="api_token.revoked")
        assert (event.actor, event.data["reason"]) == (manager, "revoked_by_manager")

    def test_refuses_a_worker_someone_elses_token_as_not_found(self, annotator, reviewer):
        token, _ = api_token_issue(user=reviewer)

        with pytest.raises(TokenNotFound, match="no live API token"):
            api_token_revoke(actor=annotator, token_id=token.pk)

        assert ApiToken.objects.filter(pk=token.pk).exists()
        assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


class TestApiTokenRevokeAll:
    def test_revokes_every_token_of_the_person_in_one_event(self, annotator):
        tokens = [api_token_issue(user=annotator)[0] for _ in range(3)]

        count = api_token_revoke_all(actor=annotator, user_id=annotator.pk)

        assert count == 3
        assert not ApiToken.objects.filter(user=annotator).exists()
        event = AuditEvent.objects.get(action="api_token.revoked")
        assert event.data["token_ids"] == sorted(token.pk for token in tokens)

    def test_records_nothing_when_there_was_nothing_to_revoke(self, annotator):
        assert api_token_revoke_all(actor=annotator, user_id=annotator.pk) == 0

        assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


class TestPasswordChange:
    def test_revokes_the_tokens_and_records_both(self, annotator):
        token, secret = api_token_issue(user=annotator)

        password_change(user=annotator, old_password=PASSWORD, new_password=NEW_PASSWORD)

        assert get_user_model().objects.get(pk=annotator.pk).check_password(NEW_PASSWORD)
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert calls_with(secret).status_code == 401
        assert AuditEvent.objects.filter(action="person.password_changed",
                                         target_id=str(annotator.pk)).exists()
        revoked = AuditEvent.objects.get(action="api_token.revoked")
        assert revoked.data["reason"] == "password_changed"
        assert NEW_PASSWORD not in everything_recorded()

    def test_refuses_a_wrong_current_password_and_keeps_the_tokens(self, annotator):
        token, _ = api_token_issue(user=annotator)

        with pytest.raises(PasswordChangeRefused, match="current password is not right"):
            password_change(user=annotator, old_password="wrong", new_password=NEW_PASSWORD)

        assert ApiToken.objects.filter(pk=token.pk).exists()
        assert get_user_model().objects.get(pk=annotator.pk).check_password(PASSWORD)

    def test_refuses_a_weak_new_password(self, annotator):
        with pytest.raises(PasswordChangeRefused, match="too weak") as refused:
            password_change(user=annotator, old_password=PASSWORD, new_password="12345")

        assert "new_password" in refused.value.detail


class TestChangepasswordCommand:
    def test_a_password_changed_on_the_command_line_ends_the_tokens(self, annotator,
                                                                     monkeypatch):
        _, secret = api_token_issue(user=annotator)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

        call_command("changepassword", annotator.username, stdout=None)

        assert calls_with(secret).status_code == 401
