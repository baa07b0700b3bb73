import pytest
from playwright.sync_api import Page, expect

from annotators.models import Role
from tests.conftest import PASSWORD, make_person

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_manager_logs_in_and_sees_the_manager_home(page: Page, live_server, csp_violations):
    make_person("mgr.e2e", Role.MANAGER)

    log_in(page, live_server.url, "mgr.e2e")

    expect(page).to_have_url(f"{live_server.url}/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manager's overview")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Manage")
    assert csp_violations == []


def test_a_wrong_password_keeps_the_user_out(page: Page, live_server):
    make_person("ann.e2e", Role.ANNOTATOR)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ann.e2e")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_the_api_docs_load_under_the_content_security_policy(page: Page, live_server,
                                                             csp_violations):
    make_person("mgr.docs", Role.MANAGER)
    log_in(page, live_server.url, "mgr.docs")

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.get_by_text("/api/v1/risk-categories/").first).to_be_visible()
    assert csp_violations == []


def test_the_skip_link_is_the_first_stop_of_the_keyboard(page: Page, live_server):
    make_person("ann.kbd", Role.ANNOTATOR)
    log_in(page, live_server.url, "ann.kbd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your annotation work")

    page.keyboard.press("Tab")

    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
