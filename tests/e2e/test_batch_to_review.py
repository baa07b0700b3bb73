import pytest
from playwright.sync_api import Page, expect

from annotation.models import Batch
from annotators.models import Role
from review.models import Sample
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.e2e.test_labelling import rank_rate_and_explain_with_keys
from tests.e2e.test_login import log_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


def test_the_last_label_of_a_batch_puts_its_sample_in_the_reviewers_queue(page: Page,
                                                                           live_server):
    manager = make_person("mgr.whole", Role.MANAGER)
    worker = make_person("ann.whole", Role.ANNOTATOR)
    reviewer = make_person("rev.whole", Role.REVIEWER)
    task = make_task(manager, kind="functional", name="Whole batch", items=3, batch_size=3,
                     minimum_seconds_per_item=0)
    join(manager, task, worker)
    join(manager, task, reviewer, "review")
    log_in(page, live_server.url, worker.username)
    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/")

    for done in range(3):
        expect(page.locator("#item-text")).to_contain_text("Whole batch item")
        rank_rate_and_explain_with_keys(page)
        expect(page.locator("#done-today")).to_have_text(str(done + 1))

    expect(page.locator(".empty-state")).to_contain_text("Nothing left", timeout=5000)
    assert Batch.objects.get(task=task).state == Batch.State.IN_REVIEW
    assert Sample.objects.filter(batch__task=task).exists()

    page.context.clear_cookies()
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/review/tasks/{task.pk}/checks/")

    expect(page.locator(".item-text")).to_contain_text("Whole batch item", timeout=5000)
    expect(page.locator(".work-status")).to_contain_text("Batch 1, round 1")
