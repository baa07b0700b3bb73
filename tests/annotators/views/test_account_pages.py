import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from annotators.models import ApiToken
from annotators.services import api_token_issue
from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

NEW_PASSWORD = "another-long-password-77"


def well_formed(html: str) -> None:
    main = html.split("<main", 1)[1]
    assert html.count("<h1") == 1
    assert "style=" not in html
    assert "<script" not in main
    for table in re.findall(r"<table>.*?</table>", main, flags=re.S):
        assert "<caption>" in table
        assert "<th>" not in table


class TestAccountPage:
    def test_lists_my_live_tokens_by_number_never_by_secret(self, annotator_client, annotator,
                                                            reviewer):
        mine, secret = api_token_issue(user=annotator, name="labelling script")
        api_token_issue(user=reviewer, name="their script")

        response = annotator_client.get(reverse("account:home"))

        html = response.content.decode()
        assert response.status_code == 200
        assert "labelling script" in html
        assert "their script" not in html
        assert reverse("account:token-revoke", args=[mine.pk]) in html
        assert secret[:15] not in html
        well_formed(html)

    def test_is_linked_from_the_header(self, annotator_client):
        html = annotator_client.get(reverse("annotation:home")).content.decode()

        assert f'href="{reverse("account:home")}"' in html

    def test_revokes_one_of_my_tokens(self, annotator_client, annotator):
        token, _ = api_token_issue(user=annotator)

        response = annotator_client.post(reverse("account:token-revoke", args=[token.pk]),
                                         follow=True)

        assert f"Revoked API token {token.pk}" in response.content.decode()
        assert not ApiToken.objects.filter(pk=token.pk).exists()

    def test_cannot_revoke_someone_elses_token(self, annotator_client, reviewer):
        theirs, _ = api_token_issue(user=reviewer)

        response = annotator_client.post(reverse("account:token-revoke", args=[theirs.pk]),
                                         follow=True)

        assert "no live API token" in response.content.decode()
        assert ApiToken.objects.filter(pk=theirs.pk).exists()

    def test_revokes_all_my_tokens(self, annotator_client, annotator):
        for _ in range(2):
            api_token_issue(user=annotator)

        response = annotator_client.post(reverse("account:tokens-revoke-all"), follow=True)

        assert "Revoked 2 API token(s)" in response.content.decode()
        assert not ApiToken.objects.filter(user=annotator).exists()


class TestTwoFactorOffer:
    def test_a_worker_is_neither_offered_nor_enrolled(self, annotator_client, settings):
        settings.REQUIRE_TWO_FACTOR = True

        page = annotator_client.get(reverse("account:home")).content.decode()
        response = annotator_client.post(reverse("account:two-factor-enrol"), {"step": "start"})

        assert reverse("account:two-factor-enrol") not in page
        assert response.status_code == 302
        assert response.url == reverse("account:home")
        assert not TOTPDevice.objects.exists()


class TestSignOut:
    def test_revokes_my_api_tokens_and_records_it(self, annotator_client, annotator):
        token, secret = api_token_issue(user=annotator)

        response = annotator_client.post(reverse("logout"))

        assert response.status_code == 302
        assert "_auth_user_id" not in annotator_client.session
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        event = AuditEvent.objects.get(action="api_token.revoked")
        assert (event.actor, event.data["reason"]) == (annotator, "signed_out")
        refused = annotator_client.get(reverse("api:auth-token-list"),
                                       HTTP_AUTHORIZATION=f"Token {secret}")
        assert refused.status_code == 401


class TestPasswordChangePage:
    def test_changes_the_password_revokes_the_tokens_and_keeps_me_signed_in(
            self, annotator_client, annotator):
        token, _ = api_token_issue(user=annotator)

        response = annotator_client.post(reverse("account:password-change"), {
            "old_password": PASSWORD, "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD}, follow=True)

        assert "Your password is changed" in response.content.decode()
        assert get_user_model().objects.get(pk=annotator.pk).check_password(NEW_PASSWORD)
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert annotator_client.get(reverse("account:home")).status_code == 200

    def test_says_which_field_is_wrong(self, annotator_client, annotator):
        response = annotator_client.post(reverse("account:password-change"), {
            "old_password": "not-it", "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD})

        html = response.content.decode()
        assert response.status_code == 200
        assert "Not your current password." in html
        assert get_user_model().objects.get(pk=annotator.pk).check_password(PASSWORD)

    def test_refuses_two_different_new_passwords(self, annotator_client, annotator):
        response = annotator_client.post(reverse("account:password-change"), {
            "old_password": PASSWORD, "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD + "x"})

        assert "not the same as the new password" in response.content.decode()
        assert get_user_model().objects.get(pk=annotator.pk).check_password(PASSWORD)

    def test_has_labelled_fields_and_one_heading(self, annotator_client):
        html = annotator_client.get(reverse("account:password-change")).content.decode()

        for name in ("old_password", "new_password", "new_password_again"):
            assert f'<label for="id_{name}">' in html
        assert 'autocomplete="new-password"' in html
        well_formed(html)


class TestPersonPageTokens:
    def test_shows_a_manager_the_persons_tokens_with_revoke_buttons(self, manager_client,
                                                                    annotator):
        token, secret = api_token_issue(user=annotator, name="their script")

        html = manager_client.get(reverse("workforce:person-detail",
                                          args=[annotator.pk])).content.decode()

        assert "their script" in html
        assert reverse("workforce:person-token-revoke", args=[annotator.pk, token.pk]) in html
        assert reverse("workforce:person-tokens-revoke-all", args=[annotator.pk]) in html
        assert secret[:15] not in html
        well_formed(html)

    def test_a_manager_revokes_one_token_of_the_person(self, manager_client, manager,
                                                       annotator):
        token, _ = api_token_issue(user=annotator)

        response = manager_client.post(
            reverse("workforce:person-token-revoke", args=[annotator.pk, token.pk]),
            follow=True)

        assert f"Revoked API token {token.pk} of ann.bo" in response.content.decode()
        assert not ApiToken.objects.filter(pk=token.pk).exists()
        assert AuditEvent.objects.get(action="api_token.revoked").actor == manager

    def test_a_manager_revokes_all_the_persons_tokens(self, manager_client, annotator):
        for _ in range(2):
            api_token_issue(user=annotator)

        manager_client.post(reverse("workforce:person-tokens-revoke-all", args=[annotator.pk]))

        assert not ApiToken.objects.filter(user=annotator).exists()

    def test_a_token_of_someone_else_is_not_revoked_through_this_person(
            self, manager_client, annotator, reviewer):
        theirs, _ = api_token_issue(user=reviewer)

        manager_client.post(reverse("workforce:person-token-revoke",
                                    args=[annotator.pk, theirs.pk]))

        assert ApiToken.objects.filter(pk=theirs.pk).exists()

    def test_refuses_workers(self, annotator_client, reviewer):
        token, _ = api_token_issue(user=reviewer)

        response = annotator_client.post(reverse("workforce:person-tokens-revoke-all",
                                                 args=[reviewer.pk]))

        assert response.status_code == 403
        assert ApiToken.objects.filter(pk=token.pk).exists()
