import pytest
from playwright.sync_api import Page, expect

from compliance.models import ComplianceSnapshot
from tests.e2e.test_login import log_in
from tests.review_setup import check_all, review_task

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def test_a_manager_reads_the_report_follows_a_figure_and_freezes_it(page: Page, live_server,
                                                                   manager):
    task, _, reviewer = review_task(manager, name="Browser report", items=3, batch_size=3)
    check_all(reviewer, task)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    log_in(page, live_server.url, manager.username)

    expect(page.get_by_role("heading", name="Compliance, last 30 days")).to_be_visible()
    expect(page.locator(".chart svg")).to_be_visible()
    page.get_by_role("link", name="The full report").click()
    expect(page.get_by_role("heading", name="Compliance report", level=1)).to_be_visible()
    for clause in ("a.1", "a.3", "c.1", "c.2", "d"):
        expect(page.locator(f"#clause-{clause.replace('.', '')} h2")).to_contain_text(clause)
    expect(page.locator("#clause-c1 .status").first).to_have_text("Holds")

    page.locator("#clause-a1").get_by_role("link", name="People who worked in the period") \
        .click()
    expect(page).to_have_url(f"{live_server.url}/workforce/people/")

    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Freeze this report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Frozen report")
    snapshot = ComplianceSnapshot.objects.get()
    expect(page.locator(".facts")).to_contain_text(snapshot.report_hash)
    expect(page.locator(".facts")).to_contain_text("Every figure agrees")
    assert errors == []
