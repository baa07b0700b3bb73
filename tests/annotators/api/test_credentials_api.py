"""The credentials API: listing, history and the actions on a credential."""


import pytest

from annotators.models import Assignment, Credential, CredentialPolicy
from tests.annotators.api.calls import post, url
from tests.workforce import KIND

pytestmark = pytest.mark.django_db


class TestCredentialApi:
    def test_managers_filter_and_search(self, manager_client, credentialed):
        by_kind = manager_client.get(url("credential-list"), {"kind": KIND}).json()
        expiring = manager_client.get(url("credential-list"),
                                      {"expiring_within_days": 30}).json()
        found = manager_client.get(url("credential-list"),
                                   {"search": credentialed.user.username}).json()
        bad = manager_client.get(url("credential-list"), {"status": "dormant"})

        assert by_kind["count"] == 1
        assert expiring["count"] == 0
        assert found["results"][0]["id"] == credentialed.pk
        assert bad.status_code == 400

    @pytest.mark.parametrize("days", ["10000000000000000000000", "3651", "-1", "soon", "1.5"])
    def test_expiring_within_a_window_out_of_bounds_is_400(self, manager_client, credentialed,
                                                           days):
        response = manager_client.get(url("credential-list"), {"expiring_within_days": days})

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert set(response.json()["detail"]) == {"expiring_within_days"}

    def test_expiring_within_the_longest_window_finds_the_credential(self, manager_client,
                                                                     credentialed):
        body = manager_client.get(url("credential-list"),
                                  {"expiring_within_days": 3650}).json()

        assert [row["id"] for row in body["results"]] == [credentialed.pk]

    def test_an_unknown_credential_is_404_with_the_error_body(self, manager_client,
                                                              credentialed):
        response = post(manager_client, url("credential-suspend", 987654), {"reason": "x"})

        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "detail"}
        assert Credential.objects.get(pk=credentialed.pk).status == "active"

    def test_suspend_reinstate_revoke_and_history(self, manager_client, credentialed):
        suspended = post(manager_client, url("credential-suspend", credentialed.pk),
                         {"reason": "Audit"})
        again = post(manager_client, url("credential-suspend", credentialed.pk),
                     {"reason": "Audit"})
        no_reason = post(manager_client, url("credential-reinstate", credentialed.pk), {})
        reinstated = post(manager_client, url("credential-reinstate", credentialed.pk),
                          {"reason": "Fine"})
        revoked = post(manager_client, url("credential-revoke", credentialed.pk),
                       {"reason": "Leak"})
        after = post(manager_client, url("credential-reinstate", credentialed.pk),
                     {"reason": "Undo"})
        history = manager_client.get(url("credential-history", credentialed.pk)).json()

        assert suspended.json()["status"] == "suspended"
        assert again.status_code == 409
        assert no_reason.status_code == 400
        assert reinstated.json()["status"] == "active"
        assert revoked.json()["status"] == "revoked"
        assert after.status_code == 409
        assert "revoked credential cannot be reinstated" in after.json()["message"]
        assert [row["action"] for row in history["results"]] == [
            "issued", "suspended", "reinstated", "revoked"]

    def test_workers_see_only_their_own_and_cannot_suspend(self, client, reviewer,
                                                          credentialed):
        client.force_login(reviewer)

        listing = client.get(url("credential-list")).json()
        detail = client.get(url("credential-detail", credentialed.pk))
        suspend = post(client, url("credential-suspend", credentialed.pk), {"reason": "x"})

        assert listing["count"] == 0
        assert detail.status_code == 404
        assert suspend.status_code == 403
        credentialed.refresh_from_db()
        assert credentialed.status == "active"

    def test_the_holder_reads_their_own(self, client, credentialed):
        client.force_login(credentialed.user)

        assert client.get(url("credential-list")).json()["count"] == 1
        assert client.get(url("credential-history", credentialed.pk)).status_code == 200


class TestUnknownIdsApi:
    def test_an_unknown_policy_is_404(self, manager_client):
        response = manager_client.patch(url("policy-detail", "pilot_annotate"),
                                        {"grace_days": 3}, content_type="application/json")

        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "detail"}
        assert not CredentialPolicy.objects.filter(kind="pilot_annotate").exists()

    def test_retraining_on_an_unknown_course_is_404(self, manager_client, annotator,
                                                    workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk], "kind": KIND, "due_date": "2099-01-31",
            "reason": "Rules v2", "course_id": 987654})

        assert response.status_code == 404
        assert response.json() == {"code": "course_not_found",
                                   "message": "There is no course 987654.", "detail": {}}
        assert not Assignment.objects.filter(user=annotator).exists()

    def test_retraining_for_an_unknown_person_is_404(self, manager_client, annotator,
                                                     workforce):
        response = post(manager_client, url("assignment-list"), {
            "user_ids": [annotator.pk, 987654], "kind": KIND, "due_date": "2099-01-31",
            "reason": "Rules v2"})

        assert response.status_code == 404
        assert response.json()["code"] == "person_not_found"
        assert response.json()["detail"] == {"user_ids": [987654]}
        assert not Assignment.objects.filter(user=annotator).exists()
