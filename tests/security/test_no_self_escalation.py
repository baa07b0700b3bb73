"""A manager cannot make anyone, themselves included, superuser, staff, or a member of a
group: not in the admin, not through the services. Only a superuser manages accounts."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from rest_framework.test import APIClient

from annotators.models import ApiToken, Role
from annotators.services import RoleGrantRefused, api_token_issue, person_create
from audit.models import AuditEvent
from tests.conftest import PASSWORD, make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def change_form(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def escalation(user, groups=()) -> dict:
    """What the admin's change form posts to make ``user`` a superuser in ``groups``."""
    return {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "is_active": "on",
            "is_staff": "on", "is_superuser": "on",
            "groups": [group.pk for group in groups],
            "user_permissions": list(Permission.objects.filter(
                codename__in=["change_user", "change_group"]).values_list("pk", flat=True)),
            "last_login_0": "", "last_login_1": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}


def token_call(secret: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get(reverse("api:rules:risk-category-list"))


def stored(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff_manager(manager):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    return manager


class TestAdminAsAStaffManager:
    def test_may_not_open_their_own_change_form_to_edit(self, client, staff_manager):
        client.force_login(staff_manager)

        response = client.get(change_form(staff_manager))

        html = response.content.decode()
        assert response.status_code == 200
        assert 'name="is_superuser"' not in html
        assert 'name="is_staff"' not in html
        assert 'name="groups"' not in html

    def test_cannot_make_themselves_superuser(self, client, staff_manager):
        client.force_login(staff_manager)

        response = client.post(change_form(staff_manager), escalation(staff_manager))

        assert response.status_code == 403
        after = stored(staff_manager)
        assert (after.is_superuser, after.user_permissions.exists()) == (False, False)

    def test_cannot_make_a_worker_staff_or_a_manager(self, client, staff_manager, annotator):
        client.force_login(staff_manager)
        managers = Group.objects.get(name="Managers")

        response = client.post(change_form(annotator), escalation(annotator, [managers]))

        assert response.status_code == 403
        after = stored(annotator)
        assert (after.is_staff, after.is_superuser) == (False, False)
        assert list(after.groups.values_list("name", flat=True)) == ["Annotators"]

    def test_cannot_add_a_person_in_the_admin(self, client, staff_manager):
        client.force_login(staff_manager)

        response = client.post(reverse("admin:auth_user_add"),
                               {"username": "sneaky", "password1": PASSWORD,
                                "password2": PASSWORD, "usable_password": "true"})

        assert response.status_code == 403
        assert not get_user_model().objects.filter(username="sneaky").exists()

    def test_cannot_change_a_group_or_its_permissions(self, client, staff_manager):
        client.force_login(staff_manager)
        managers = Group.objects.get(name="Managers")
        before = set(managers.permissions.values_list("pk", flat=True))

        response = client.post(reverse("admin:auth_group_change", args=[managers.pk]),
                               {"name": "Managers",
                                "permissions": list(Permission.objects.values_list(
                                    "pk", flat=True))})

        assert response.status_code == 403
        assert set(managers.permissions.values_list("pk", flat=True)) == before

    def test_cannot_set_someones_password_in_the_admin(self, client, staff_manager, annotator):
        client.force_login(staff_manager)

        response = client.post(reverse("admin:auth_user_password_change", args=[annotator.pk]),
                               {"password1": "taken-over-password-1",
                                "password2": "taken-over-password-1"})

        assert response.status_code == 403
        assert stored(annotator).check_password(PASSWORD)


    def test_holding_change_user_directly_still_changes_nothing(self, client, staff_manager):
        staff_manager.user_permissions.add(Permission.objects.get(
            content_type__app_label="auth", codename="change_user"))
        client.force_login(staff_manager)

        response = client.post(change_form(staff_manager), escalation(staff_manager))

        assert response.status_code == 403
        assert stored(staff_manager).is_superuser is False


class TestAdminAsAManagerWhoIsNotStaff:
    def test_is_sent_to_the_admin_login_and_changes_nothing(self, client, manager):
        client.force_login(manager)

        shown = client.get(change_form(manager))
        posted = client.post(change_form(manager), escalation(manager))

        assert shown.status_code == posted.status_code == 302
        assert "/admin/login/" in posted["Location"]
        after = stored(manager)
        assert (after.is_staff, after.is_superuser) == (False, False)


class TestAdminAsASuperuser:
    def test_a_superuser_made_on_the_command_line_manages_staff_and_groups(self, client,
                                                                          annotator):
        root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
        client.force_login(root)
        managers = Group.objects.get(name="Managers")

        response = client.post(change_form(annotator), escalation(annotator, [managers]))

        assert response.status_code == 302
        after = stored(annotator)
        assert (after.is_staff, after.is_superuser) == (True, True)
        assert list(after.groups.values_list("name", flat=True)) == ["Managers"]

    def test_deactivating_someone_in_the_admin_ends_their_tokens_for_good(self, client,
                                                                          annotator):
        root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
        client.force_login(root)
        _, secret = api_token_issue(user=annotator)
        deactivate = {**escalation(annotator), "is_staff": "", "is_superuser": "",
                      "user_permissions": [], "is_active": ""}

        response = client.post(change_form(annotator), deactivate)
        client.post(change_form(annotator), {**deactivate, "is_active": "on"})

        assert response.status_code == 302
        assert stored(annotator).is_active is True
        assert not ApiToken.objects.filter(user=annotator).exists()
        assert token_call(secret).status_code == 401
        event = AuditEvent.objects.get(action="api_token.revoked")
        assert event.data["reason"] == "account_deactivated"
        assert AuditEvent.objects.filter(action="person.deactivated",
                                         target_id=str(annotator.pk)).count() == 1

    def test_a_password_set_in_the_admin_ends_the_tokens(self, client, annotator):
        root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
        client.force_login(root)
        _, secret = api_token_issue(user=annotator)

        response = client.post(reverse("admin:auth_user_password_change", args=[annotator.pk]),
                               {"password1": "a-new-long-password-5", "password2":
                                "a-new-long-password-5", "usable_password": "true"})

        assert response.status_code == 302
        assert not ApiToken.objects.filter(user=annotator).exists()
        assert token_call(secret).status_code == 401


class TestPermissionsOfTheManagersGroup:
    def test_no_group_may_change_accounts_groups_or_permissions(self):
        risky = Permission.objects.filter(
            content_type__app_label="auth",
            codename__in=["add_user", "change_user", "delete_user", "add_group",
                          "change_group", "delete_group", "add_permission",
                          "change_permission"])

        assert not Group.objects.filter(permissions__in=risky).exists()


class TestPersonCreate:
    @pytest.mark.parametrize("role", [Role.MANAGER, Role.COMPLIANCE_OFFICER])
    def test_a_manager_cannot_create_a_manager_or_compliance_officer(self, manager, role):
        with pytest.raises(RoleGrantRefused, match="Ask a superuser"):
            person_create(actor=manager, username="second.manager", password=PASSWORD,
                          role=role)

        assert not get_user_model().objects.filter(username="second.manager").exists()

    def test_a_worker_cannot_create_anyone(self, annotator):
        with pytest.raises(RoleGrantRefused):
            person_create(actor=annotator, username="friend", password=PASSWORD,
                          role=Role.ANNOTATOR)

    def test_a_manager_creates_a_worker_who_is_neither_staff_nor_superuser(self, manager):
        person = person_create(actor=manager, username="new.worker", password=PASSWORD,
                               role=Role.REVIEWER)

        assert (person.is_staff, person.is_superuser) == (False, False)
        assert list(person.groups.values_list("name", flat=True)) == ["Reviewers"]

    def test_a_superuser_creates_a_manager(self):
        root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)

        person = person_create(actor=root, username="new.manager", password=PASSWORD,
                               role=Role.MANAGER)

        assert person.groups.filter(name="Managers").exists()
        assert not person.is_staff

    def test_the_system_creates_any_role(self):
        person = make_person("seeded.officer", Role.COMPLIANCE_OFFICER)

        assert person.groups.filter(name="Compliance officers").exists()
