import re

import pytest
from playwright.sync_api import Page, expect

from annotators.models import Credential, Role
from tests.conftest import make_person
from tests.e2e.test_login import log_in
from tests.workforce import KIND, build_course, build_exam, complete_training, take_exam

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def set_up(manager):
    from annotators.services import policy_update

    course = build_course(manager)
    exam = build_exam(manager)
    policy_update(actor=manager, kind=KIND, changes={"course": course, "exam": exam})
    return course


def test_a_worker_trains_and_passes_the_exam_in_the_browser(page: Page, live_server):
    manager = make_person("mgr.exam", Role.MANAGER)
    worker = make_person("ann.exam", Role.ANNOTATOR)
    set_up(manager)
    log_in(page, live_server.url, "ann.exam")

    page.goto(f"{live_server.url}/workforce/")
    page.get_by_role("link", name="Safety annotation basics").click()
    page.get_by_role("button", name="Start the course").click()
    for _ in range(4):
        page.get_by_role("button", name="I have read this module").click()
    expect(page.get_by_text("You completed Safety annotation basics.")).to_be_visible()
    page.get_by_role("button", name="Start or resume").click()

    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(19|20):\d\d$"))
    for fieldset in page.locator("fieldset.question").all():
        first_option = fieldset.locator("label.option").first
        if first_option.count():
            first_option.locator("input").check()
        else:
            for code in ("A.2.e", "A.4.e"):
                fieldset.locator(f"input[value='{code}']").check()
    page.get_by_role("button", name="Save and finish…").click()
    expect(page.get_by_text("You answered 8 of 8 questions.")).to_be_visible()
    page.get_by_role("button", name="Finish and grade").click()

    expect(page.get_by_text("Passed: your credential is active.")).to_be_visible()
    assert Credential.objects.get(user=worker).status == "active"


def test_a_manager_suspends_with_a_reason_after_confirming(page: Page, live_server):
    manager = make_person("mgr.susp", Role.MANAGER)
    worker = make_person("ann.susp", Role.ANNOTATOR)
    course = set_up(manager)
    complete_training(worker, course)
    take_exam(worker)
    log_in(page, live_server.url, "mgr.susp")

    page.goto(f"{live_server.url}/workforce/people/")
    page.get_by_role("link", name="Suspend…").click()
    expect(page.get_by_text("cannot work under it from their very next request")).to_be_visible()
    page.get_by_label("Reason").fill("Labels under review")
    page.get_by_role("button", name="Suspend").click()

    expect(page.get_by_text("active → suspended")).to_be_visible()
    assert Credential.objects.get(user=worker).status == "suspended"
