import pytest
from playwright.sync_api import Page, expect

from review.models import BatchDecision, SampleCheck
from safety_labels.models import SafetyLabel
from tests.e2e.test_labelling import watch
from tests.e2e.test_login import log_in
from tests.review_setup import review_task, safety_setup

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def test_a_reviewer_checks_a_whole_sample_with_the_keyboard(page: Page, live_server, manager):
    task, _, reviewer = review_task(manager, name="Kbd review", items=5, batch_size=5)
    total = SampleCheck.objects.filter(sample__batch__task=task).count()
    events = watch(page)
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/review/tasks/{task.pk}/checks/")

    for done in range(total):
        expect(page.locator(".item-text")).to_contain_text("Kbd review item")
        page.locator("h1").click()            # focus away from any field
        page.keyboard.press("1")              # accurate
        expect(page.locator("input[value=accurate]")).to_be_checked()
        page.keyboard.press("Enter")
        expect(page.locator(".message-success")).to_contain_text("Verdict recorded")
        assert SampleCheck.objects.exclude(verdict="").count() == done + 1

    expect(page.locator(".empty-state")).to_contain_text("No sampled label is waiting")
    assert BatchDecision.objects.get(batch__task=task).outcome == "accepted"
    assert events == []


def test_a_reviewer_rejects_with_a_reason_using_keys(page: Page, live_server, manager):
    task, _, (first, _) = safety_setup(manager, name="Kbdsafe", items=2)
    log_in(page, live_server.url, first.username)
    page.goto(f"{live_server.url}/review/tasks/{task.pk}/approvals/")

    page.locator("h1").click()
    page.keyboard.press("r")                  # no reason yet: the comment takes the focus
    expect(page.locator("#comment")).to_be_focused()
    assert not SafetyLabel.objects.filter(status="rejected").exists()
    page.keyboard.type("Names a private person (A.4.d).")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator(".message-success")).to_contain_text("rejected")
    page.keyboard.press("a")
    expect(page.locator(".message-success")).to_contain_text("approved")
    assert sorted(SafetyLabel.objects.values_list("status", flat=True)) == \
        ["approved", "rejected"]
