import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from annotators.models import Role
from tests.annotators.two_factor import current_code
from tests.conftest import PASSWORD, make_person

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def sign_in_with_password(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/manage/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_sets_up_an_app_then_signs_in_with_its_code(page: Page, live_server,
                                                             settings, csp_violations):
    settings.REQUIRE_TWO_FACTOR = True
    manager = make_person("mgr.totp", Role.MANAGER)

    sign_in_with_password(page, live_server.url, "mgr.totp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("keep your recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page).to_have_url(f"{live_server.url}/manage/")

    page.get_by_role("button", name="Log out").click()
    sign_in_with_password(page, live_server.url, "mgr.totp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in code")
    page.get_by_label("Code").fill(current_code(device, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manager's overview")
    assert csp_violations == []


def test_a_locked_account_is_named_and_a_colleague_still_gets_in(page: Page, live_server,
                                                                settings):
    make_person("ann.locked", Role.ANNOTATOR)
    make_person("ann.fine", Role.ANNOTATOR)

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("ann.locked")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("The account “ann.locked” is locked")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ann.fine")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
