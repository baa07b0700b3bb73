import pytest
from django.test import TestCase
from django.urls import reverse

from review.models import BatchDecision, SampleCheck
from review.services import export_job_create
from tests.review_setup import as_user, check_all, queries_to_get, review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


@pytest.fixture
def decided(manager):
    """A task of two batches of five: the first invalidated by an illegal item, the second
    accepted."""
    task, people, reviewer = review_task(manager, name="Page board", items=10, batch_size=5)
    sample = samples_of(task).first()
    check_all(reviewer, task, {sample.item_ids[0]: ("illegal", "", ["A.1.a"])})
    return task, people, sample


class TestBatchBoardPage:
    def test_shows_each_batchs_decision(self, manager, decided):
        task, _, _ = decided

        page = as_user(manager).get(reverse("review:batch-board", args=[task.pk]))

        assert [row["decision"].outcome for row in page.context["rows"]] == \
            ["invalidated", "accepted"]
        html = page.content.decode()
        assert "Invalidated" in html
        assert "Accepted" in html

    def test_shows_a_page_of_batches_in_a_fixed_number_of_queries(
            self, manager, django_assert_num_queries):
        few, _, few_reviewer = review_task(manager, name="Board few", items=4, batch_size=2)
        check_all(few_reviewer, few)
        many, _, many_reviewer = review_task(manager, name="Board many", items=16,
                                             batch_size=2)
        check_all(many_reviewer, many)
        client = as_user(manager)
        main, safety = queries_to_get(client, reverse("review:batch-board", args=[few.pk]))

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            page = client.get(reverse("review:batch-board", args=[many.pk]))

        assert len(page.context["rows"]) == 8


class TestSampleAndDecisionPages:
    def test_the_sample_page_says_the_draw_reproduces(self, manager, decided):
        _, _, sample = decided

        page = as_user(manager).get(reverse("review:sample-detail", args=[sample.pk]))

        assert page.context["redraw_matches"] is True
        assert "the same items" in page.content.decode()

    def test_the_decision_page_names_the_risks_of_the_illegal_item(self, manager, decided):
        _, _, sample = decided
        decision = BatchDecision.objects.get(sample=sample)

        page = as_user(manager).get(reverse("review:decision-detail", args=[decision.pk]))

        assert page.context["illegal"] == [(decision.evidence["illegal"][0], ["A.1.a"])]
        assert "A.1.a" in page.content.decode()


class TestQualityPages:
    def test_the_list_shows_each_annotators_accuracy(self, manager, decided):
        _, people, _ = decided

        page = as_user(manager).get(reverse("review:quality-list"))

        rows = [row for row in page.context["rows"] if row["user"] in people]
        assert {row["user"].pk for row in rows} == {person.pk for person in people}
        assert {row["figure"].measure for row in rows} == {"accuracy"}
        html = page.content.decode()
        assert all(person.username in html for person in people)

    def test_the_person_page_draws_their_weekly_accuracy(self, manager, decided):
        _, people, _ = decided
        checked = SampleCheck.objects.filter(annotator=people[0]).exclude(verdict="")

        page = as_user(manager).get(reverse("review:quality-person", args=[people[0].pk]))

        [week] = page.context["weeks"]
        assert (week["checked"], week["accurate"]) == \
            (checked.count(), checked.filter(verdict="accurate").count())
        html = page.content.decode()
        assert "<svg" in html
        assert f"{week['accurate']} of {week['checked']} accurate" in html
        assert f"Quality of {people[0].username}" in html

    def test_the_list_shows_everyone_in_a_fixed_number_of_queries(
            self, manager, django_assert_num_queries):
        task, _, reviewer = review_task(manager, name="Quality few", items=4, batch_size=4)
        check_all(reviewer, task)
        client = as_user(manager)
        main, safety = queries_to_get(client, reverse("review:quality-list"))
        more, _, more_reviewer = review_task(manager, name="Quality more", items=9,
                                             batch_size=9, annotators=3)
        check_all(more_reviewer, more)

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            page = client.get(reverse("review:quality-list"))

        assert len(page.context["rows"]) == 5


class TestExportPage:
    def test_links_a_finished_export_whose_file_holds_the_accepted_batch(self, manager,
                                                                         decided):
        task, _, _ = decided
        client = as_user(manager)
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = export_job_create(actor=manager, task_id=task.pk, format="jsonl")

        exports = client.get(reverse("review:export-page", args=[task.pk])).content.decode()

        assert reverse("review:export-download", args=[job.pk]) in exports
        download = client.get(reverse("review:export-download", args=[job.pk]))
        lines = b"".join(download.streaming_content).decode().splitlines()
        assert len(lines) == 5  # the accepted batch only

    def test_lists_a_page_of_exports_in_a_fixed_number_of_queries(
            self, manager, django_assert_num_queries):
        task, _, _ = review_task(manager, name="Export list", items=2, batch_size=2)
        client = as_user(manager)
        url = reverse("review:export-page", args=[task.pk])
        export_job_create(actor=manager, task_id=task.pk, format="jsonl")
        main, safety = queries_to_get(client, url)
        for _ in range(5):
            export_job_create(actor=manager, task_id=task.pk, format="csv")

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            page = client.get(url)

        assert len(page.context["jobs"]) == 6


class TestWorkersAreKeptOut:
    def test_workers_do_not_reach_manager_pages(self, manager):
        task, people, reviewer = review_task(manager, name="Page guard", items=4, batch_size=4)
        for user in (people[0], reviewer):
            client = as_user(user)
            assert client.get(reverse("review:quality-list")).status_code == 404
            assert client.get(reverse("review:export-page", args=[task.pk])).status_code == 404
            assert client.get(reverse("review:escalated")).status_code == 403
        assert as_user(people[0]).get(reverse("review:batch-board",
                                              args=[task.pk])).status_code == 404
