import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from annotators.models import ApiToken, Role
from annotators.services import UsernameTaken, person_create
from audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def log_in(client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


class TestLogin:
    def test_the_login_page_has_labelled_fields(self, client):
        html = client.get(reverse("login")).content.decode()

        assert '<label for="id_username">' in html
        assert '<label for="id_password">' in html
        assert 'autocomplete="current-password"' in html

    def test_logs_in_and_lands_on_the_role_home(self, client, manager):
        response = log_in(client, manager.username)

        assert response.status_code == 302
        assert client.get(response.url, follow=True).request["PATH_INFO"] == "/manage/"

    def test_a_wrong_password_says_so_without_saying_which_part(self, client, annotator):
        response = log_in(client, annotator.username, "not-the-password")

        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_changes_the_session_id_at_login(self, client, annotator):
        session = client.session
        session["visited"] = True
        session.save()
        before = session.session_key

        log_in(client, annotator.username)

        assert client.session.session_key != before
        assert client.session["_auth_user_id"] == str(annotator.pk)

    def test_repeated_failures_lock_the_account(self, client, annotator):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, annotator.username, "wrong-password")

        response = log_in(client, annotator.username)

        assert response.status_code == 429
        assert "Account locked" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_lock_holds_from_another_address_too(self, client, annotator):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, annotator.username, "wrong-password")

        response = client.post(reverse("login"), {"username": annotator.username,
                                                   "password": PASSWORD},
                               REMOTE_ADDR="10.9.8.7")

        assert response.status_code == 429

    def test_logout_needs_a_post_and_ends_the_session(self, client, annotator):
        client.force_login(annotator)

        assert client.get(reverse("logout")).status_code == 405
        response = client.post(reverse("logout"))

        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


class TestEverythingRequiresLogin:
    @pytest.mark.parametrize("url", ["/", "/annotate/", "/review/", "/manage/",
                                     "/rules/risk-categories/"])
    def test_pages_redirect_to_login(self, client, url):
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


class TestNoDefaultAccount:
    def test_migrations_create_no_user(self):
        assert not get_user_model().objects.exists()


class TestRoles:
    def test_managers_group_holds_the_permissions_managers_need(self):
        managers = Group.objects.get(name="Managers")

        codenames = set(managers.permissions.values_list("codename", flat=True))
        assert {"view_auditevent", "view_riskcategory", "view_user"} <= codenames
        assert not {"add_user", "change_user", "change_group", "add_permission"} & codenames

    @pytest.mark.parametrize(("role", "home"), [(Role.MANAGER, "/manage/"),
                                                (Role.COMPLIANCE_OFFICER, "/manage/report/"),
                                                (Role.REVIEWER, "/review/"),
                                                (Role.ANNOTATOR, "/annotate/")])
    def test_each_role_has_its_home(self, client, role, home):
        person = person_create(actor=None, username=f"p.{role.value}", password=PASSWORD,
                               role=role)
        client.force_login(person)

        response = client.get("/")

        assert response.status_code == 302
        assert response.url == home
        assert client.get(home).status_code == 200

    def test_the_highest_role_decides_and_no_role_lands_on_the_annotators_home(
            self, client, reviewer):
        reviewer.groups.add(Group.objects.get(name="Managers"))
        roleless = get_user_model().objects.create_user("no.role", password=PASSWORD)

        client.force_login(reviewer)
        both = client.get("/")
        client.force_login(roleless)
        neither = client.get("/")

        assert both.url == "/manage/"
        assert neither.url == "/annotate/"

    def test_the_manager_home_is_refused_to_an_annotator(self, annotator_client):
        response = annotator_client.get("/manage/")

        assert response.status_code == 403
        assert "Not allowed" in response.content.decode()

    def test_navigation_shows_manage_to_managers_only(self, client, manager, annotator):
        client.force_login(annotator)
        assert 'href="/manage/"' not in client.get("/annotate/").content.decode()

        client.force_login(manager)
        assert 'href="/manage/"' in client.get("/annotate/").content.decode()


class TestPersonCreate:
    def test_records_an_audit_event(self, manager):
        person = person_create(actor=manager, username="new.person", password=PASSWORD,
                               role=Role.ANNOTATOR)

        event = AuditEvent.objects.get(action="person.created", target_id=str(person.pk))
        assert event.actor == manager
        assert event.data == {"username": "new.person", "role": "annotator"}
        assert person.groups.filter(name="Annotators").exists()

    def test_refuses_a_taken_username(self, annotator):
        with pytest.raises(UsernameTaken, match="already in use"):
            person_create(actor=None, username=annotator.username, password=PASSWORD,
                          role=Role.REVIEWER)


class TestApiAuthentication:
    def test_a_token_is_issued_for_good_credentials_and_works(self, client, annotator):
        response = client.post(reverse("api:auth-token"),
                               {"username": annotator.username, "password": PASSWORD})
        token = response.json()["token"]

        listing = client.get(reverse("api:rules:risk-category-list"),
                             HTTP_AUTHORIZATION=f"Token {token}")
        mine = client.get(reverse("api:auth-token-list"), HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 200
        assert response.json()["user"] == annotator.username
        assert listing.status_code == 200
        assert listing.json()["count"] == 31
        assert [row["id"] for row in mine.json()["results"]] == [response.json()["id"]]
        assert ApiToken.objects.get(pk=response.json()["id"]).user == annotator

    def test_bad_credentials_get_a_consistent_error_body(self, client, annotator):
        response = client.post(reverse("api:auth-token"),
                               {"username": annotator.username, "password": "wrong"})

        assert response.status_code == 400
        assert response.json()["code"] == "sign_in_refused"
        assert set(response.json()) == {"code", "message", "detail"}

    def test_a_bad_token_is_refused(self, client):
        response = client.get(reverse("api:rules:risk-category-list"),
                              HTTP_AUTHORIZATION="Token not-a-token")

        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"

    def test_requests_past_the_rate_are_throttled(self, client, annotator, monkeypatch):
        cache.clear()
        monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
        monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
        client.force_login(annotator)
        url = reverse("api:rules:risk-category-list")

        statuses = [client.get(url).status_code for _ in range(4)]
        refused = client.get(url)

        assert statuses == [200, 200, 200, 429]
        assert refused.json()["code"] == "throttled"
        assert refused.json()["detail"]["retry_after_seconds"] > 0
        cache.clear()
