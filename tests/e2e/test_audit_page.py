import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from annotators.models import Role
from audit.models import AuditEvent
from audit.services import record_event
from tests.conftest import make_person
from tests.e2e.test_login import log_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def test_a_manager_filters_the_audit_trail_and_sees_the_chain_intact(page: Page, live_server,
                                                                      csp_violations):
    manager = make_person("mgr.trail", Role.MANAGER)
    worker = make_person("ann.trail", Role.ANNOTATOR)
    record_event(actor=manager, action="credential.suspended", target=worker,
                 data={"from": "active", "to": "suspended", "reason": "Accuracy below 90%"})
    record_event(actor=manager, action="quality_policy.updated",
                 data={"before": {"threshold": "0.900"}, "after": {"threshold": "0.950"}})
    log_in(page, live_server.url, "mgr.trail")

    page.goto(f"{live_server.url}{reverse('compliance:audit-list')}")

    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.locator("#chain-status")).to_contain_text("Intact")
    head = AuditEvent.objects.order_by("-id").first().hash
    expect(page.locator("#head-hash")).to_have_text(head)
    events = page.get_by_role("table").first
    expect(events.get_by_role("link", name="auth.login", exact=True)).to_be_visible()

    page.get_by_label("Action").fill("credential.")
    page.get_by_label("Actor").fill("mgr.trail")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"action=credential\.&"))
    expect(events.locator("caption")).to_contain_text("1 event matching the filters")
    expect(events.get_by_role("link", name="credential.suspended")).to_be_visible()
    expect(events.get_by_role("link", name="auth.login", exact=True)).to_have_count(0)
    expect(events.locator("del")).to_have_text("active")
    expect(events.locator("ins")).to_have_text("suspended")
    expect(page.get_by_role("link", name=re.compile("as CSV"))).to_have_attribute(
        "href", re.compile(r"events\.csv\?actor=mgr\.trail&action=credential\.$"))

    page.get_by_role("link", name=f"auth.user {worker.pk}").click()

    expect(page.get_by_label("Object id")).to_have_value(str(worker.pk))
    expect(events.get_by_role("link", name="credential.suspended")).to_be_visible()
    about_worker = AuditEvent.objects.filter(target_type="auth.user", target_id=str(worker.pk))
    expect(events.locator(":scope > tbody > tr")).to_have_count(about_worker.count())
    assert csp_violations == []


def test_the_page_reports_a_head_the_trail_no_longer_holds(page: Page, live_server):
    make_person("mgr.head", Role.MANAGER)
    log_in(page, live_server.url, "mgr.head")
    page.goto(f"{live_server.url}{reverse('compliance:audit-list')}")

    page.get_by_label("Expected head hash").fill("ab" * 32)
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("alert")).to_contain_text("truncated or rewritten")
