import pytest
from django.urls import reverse

from review.models import SampleCheck
from tests.annotation_setup import join, make_task
from tests.review_setup import as_user, queries_to_get, review_task, safety_setup

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestReviewHomePage:
    def test_lists_the_reviewers_queues(self, manager):
        task, _, reviewer = review_task(manager, name="Page home", items=4, batch_size=4)

        html = as_user(reviewer).get(reverse("review:home")).content.decode()

        assert reverse("review:check-queue", args=[task.pk]) in html

    def test_counts_waiting_work_in_a_fixed_number_of_queries(self, manager,
                                                              django_assert_num_queries):
        task, _, reviewer = review_task(manager, name="Counted", items=6, batch_size=6)
        safety, _, (first, _) = safety_setup(manager, name="Countsafe", items=3)
        assert "<td>3</td>" in as_user(first).get(reverse("review:home")).content.decode()
        reviewing = as_user(reviewer)
        join(manager, safety, reviewer, "review")
        waiting = SampleCheck.objects.filter(sample__batch__task=task).count()
        assert f"<td>{waiting}</td>" in reviewing.get(reverse("review:home")).content.decode()
        main, segregated = queries_to_get(reviewing, reverse("review:home"))
        for name in ("Counted more", "Counted most"):
            join(manager, make_task(manager, kind="functional", name=name, items=2), reviewer,
                 "review")

        with django_assert_num_queries(main), \
                django_assert_num_queries(segregated, using="safety"):
            page = reviewing.get(reverse("review:home"))

        assert len(page.context["tasks"]) == 4
