import pytest
from playwright.sync_api import Page, expect

from annotators.models import Role
from rules.models import RuleVersion
from rules.services import rule_version_update
from tests.conftest import make_person
from tests.e2e.test_login import log_in
from tests.rules.conftest import make_functional_draft, make_safety_draft

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]

HOSTILE = ('<script>window.pwned = "script"</script>\n\n'
           '[click me](javascript:window.pwned="link") '
           '<img src="x" onerror="window.pwned=\'img\'">')


def test_hostile_markdown_stays_inert(page: Page, live_server):
    manager = make_person("mgr.md", Role.MANAGER)
    draft = make_functional_draft(manager)
    rule_version_update(actor=manager, version_id=draft.pk,
                        changes={"objectives": "**Bold** aims.\n\n" + HOSTILE})
    log_in(page, live_server.url, "mgr.md")

    page.goto(f"{live_server.url}/rules/versions/{draft.pk}/")
    page.locator("main a", has_text="click me").click()

    expect(page.locator("strong", has_text="Bold")).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert page.locator("main a", has_text="click me").get_attribute("href") is None
    assert page.locator("main img").count() == 0


def test_a_manager_fills_the_last_risk_rule_and_publishes(page: Page, live_server):
    manager = make_person("mgr.pub", Role.MANAGER)
    draft = make_safety_draft(manager, skip=("A.5.b",))
    log_in(page, live_server.url, "mgr.pub")

    page.goto(f"{live_server.url}/rules/versions/{draft.pk}/edit/")
    expect(page.get_by_role("heading", name="Risk rules: 30 of 31 categories covered")) \
        .to_be_visible()
    page.get_by_role("link", name="A.5.b", exact=True).click()
    page.get_by_label("Definition").fill("Plausible but useless content.")
    page.get_by_label("Decision criteria").fill("The answer does not help the user.")
    page.get_by_label("Review criteria").fill("Check that the answer fails the user's need.")
    page.get_by_role("button", name="Save the rule for A.5.b").click()
    expect(page.get_by_role("heading", name="Risk rules: 31 of 31 categories covered")) \
        .to_be_visible()
    page.get_by_role("link", name="Publish…").first.click()
    expect(page.get_by_text("can never be changed")).to_be_visible()
    page.get_by_role("button", name="Publish v1").click()

    expect(page.get_by_text("It will never change.")).to_be_visible()
    assert RuleVersion.objects.get(pk=draft.pk).status == "published"
