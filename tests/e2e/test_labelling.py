import pytest
from playwright.sync_api import Page, expect

from annotation.models import FunctionalLabel, Lease
from annotators.models import Role
from safety_labels.models import SafetyLabel
from tests.annotation_setup import add_items, join, make_task
from tests.conftest import make_person
from tests.e2e.test_login import log_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]

HOSTILE = ['<script>window.pwned = "script"; alert(1)</script>',
           '<img src=x onerror="window.pwned=\'img\'; alert(2)">',
           '<a href="javascript:alert(3)">click</a>']


def watch(page: Page) -> list[str]:
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("console", lambda message: events.append(f"console: {message.text}")
            if message.type == "error" else None)
    return events


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(25):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def rank_rate_and_explain_with_keys(page: Page) -> None:
    """Fill the ranking label of the current item and send it, by keyboard only."""
    page.keyboard.press("2")          # the ranking has the focus: Answer B first
    page.keyboard.press("1")
    page.keyboard.press("3")
    tab_to(page, "fieldset[data-name=best_quality] input")
    page.keyboard.press("4")
    tab_to(page, "textarea")
    page.keyboard.type("B is accurate.")
    page.keyboard.press("Tab")        # to the submit button
    page.keyboard.press("Enter")


def test_a_keyboard_only_annotator_labels_three_items_and_skips_one(page: Page, live_server):
    manager = make_person("mgr.kbd", Role.MANAGER)
    worker = make_person("ann.kbd2", Role.ANNOTATOR)
    task = make_task(manager, kind="functional", name="Keyboard task", items=5)
    join(manager, task, worker)
    log_in(page, live_server.url, "ann.kbd2")
    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/")

    previous = ""
    for _ in range(3):
        text = page.locator("#item-text")
        expect(text).to_contain_text("Keyboard task item")
        expect(text).not_to_have_text(previous)
        previous = text.inner_text()
        rank_rate_and_explain_with_keys(page)
        expect(page.locator("#done-today")).not_to_have_text(str(_))
    expect(page.locator("#item-text")).not_to_have_text(previous)
    fourth = page.locator("#item-text").inner_text()
    page.once("dialog", lambda dialog: dialog.accept("Not my language"))
    page.keyboard.press("s")
    expect(page.locator("#item-text")).not_to_have_text(fourth)

    expect(page.locator("#done-today")).to_have_text("3")
    assert FunctionalLabel.objects.filter(annotator=worker).count() == 3
    assert Lease.objects.filter(user=worker, state="skipped").count() == 1


def test_hostile_item_text_runs_no_script(page: Page, live_server):
    manager = make_person("mgr.xss", Role.MANAGER)
    worker = make_person("ann.xss", Role.ANNOTATOR)
    task = make_task(manager, kind="safety", name="Hostile task")
    add_items(manager, task, HOSTILE)
    join(manager, task, worker)
    events = watch(page)
    log_in(page, live_server.url, "ann.xss")

    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/")
    seen = [""]
    for _ in HOSTILE:
        text = page.locator("#item-text")
        expect(text).not_to_have_text(seen[-1])
        seen.append(text.inner_text())
        page.locator("#no-risk").check()
        page.locator("#submit").click()
        expect(page.locator("#message")).to_contain_text("Saved")

    assert sorted(seen[1:]) == sorted(HOSTILE)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#item img, #item script, #item a").count() == 0
    assert [e for e in events if e.startswith("dialog")] == []


def test_a_safety_annotator_finds_a_category_and_its_rule_by_filtering(page: Page, live_server):
    manager = make_person("mgr.risk", Role.MANAGER)
    worker = make_person("ann.risk", Role.ANNOTATOR)
    task = make_task(manager, kind="safety", name="Privacy task", items=1)
    join(manager, task, worker)
    log_in(page, live_server.url, "ann.risk")
    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/")
    expect(page.locator("#item-text")).to_contain_text("Privacy task item")

    page.keyboard.press("/")
    page.keyboard.type("privacy")
    page.locator("#rules-search").fill("privacy")
    page.locator("label.risk:visible input").check()
    page.locator("#submit").click()

    expect(page.locator("#message")).to_contain_text("Saved")
    expect(page.locator(".definition:visible")).to_have_count(1)
    expect(page.locator(".definition:visible dd")).to_contain_text("Content that amounts to "
                                                                   "infringement of others")
    assert SafetyLabel.objects.get(annotator_id=worker.pk).risk_codes == ["A.4.e"]
