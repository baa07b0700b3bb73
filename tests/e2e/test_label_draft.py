"""The labelling page keeps a draft: a submit refused because the item's time ran out leaves
what the person entered on screen, and carries it to the next item only if they choose."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotation.models import FunctionalLabel, Lease
from annotators.models import Role
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.e2e.test_labelling import rank_rate_and_explain_with_keys
from tests.e2e.test_login import log_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def open_task_and_let_the_time_run_out(page: Page, live_server, name: str):
    manager = make_person(f"mgr.{name}", Role.MANAGER)
    worker = make_person(f"ann.{name}", Role.ANNOTATOR)
    task = make_task(manager, kind="functional", name=f"Draft {name}", items=4)
    join(manager, task, worker)
    log_in(page, live_server.url, f"ann.{name}")
    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/")
    expect(page.locator("#item-text")).to_contain_text(f"Draft {name} item")
    first = page.locator("#item-text").inner_text()
    Lease.objects.filter(user=worker, state="active").update(
        expires_at=timezone.now() - timedelta(seconds=1))
    rank_rate_and_explain_with_keys(page)          # ends with Enter: the submit is refused
    draft = page.locator("#draft")
    expect(draft).to_be_visible()
    expect(draft).to_contain_text("ran out")
    expect(page.locator("#draft-text")).to_contain_text("B is accurate.")
    return worker, first


def a_new_lease_was_handed_out(worker) -> bool:
    return Lease.objects.filter(user=worker, state="active").exists()


def test_the_answer_stays_on_screen_and_goes_to_the_next_item_when_asked(page: Page,
                                                                          live_server):
    worker, first = open_task_and_let_the_time_run_out(page, live_server, "keep")

    # Still on screen, as typed, and nothing was saved.
    expect(page.locator("#item-text")).to_have_text(first)
    expect(page.locator("textarea")).to_have_value("B is accurate.")
    assert not FunctionalLabel.objects.filter(annotator=worker).exists()
    assert not a_new_lease_was_handed_out(worker)      # nothing moves until they choose

    page.keyboard.press("k")

    expect(page.locator("#draft")).to_be_hidden()
    expect(page.locator("textarea")).to_have_value("B is accurate.")
    expect(page.locator("#message")).to_contain_text("earlier answer is filled in")
    page.locator("#submit").click()
    expect(page.locator("#done-today")).to_have_text("1")
    assert Lease.objects.filter(user=worker, state="expired").count() == 1
    label = FunctionalLabel.objects.get(annotator=worker)
    assert label.payload["reason"] == "B is accurate."
    assert label.payload["ranking"] == ["Answer B", "Answer A", "Answer C"]


def test_the_person_may_start_the_next_item_empty_instead(page: Page, live_server):
    worker, _first = open_task_and_let_the_time_run_out(page, live_server, "drop")

    page.locator("#draft-drop").click()

    expect(page.locator("#draft")).to_be_hidden()
    expect(page.locator("textarea")).to_have_value("")
    expect(page.locator("fieldset[data-name=ranking] .rank-order")).to_have_text("Order: —")
    expect(page.locator("#submit")).to_be_enabled()
    assert not FunctionalLabel.objects.filter(annotator=worker).exists()
    assert a_new_lease_was_handed_out(worker)
