import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from annotation.models import Item
from review.models import SampleCheck
from tests.annotation_setup import join
from tests.review_setup import as_user, queries_to_get, review_task

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class TestCheckQueuePage:
    def test_shows_the_item_escaped_the_label_and_the_rules_and_records_a_verdict(
            self, manager):
        task, _, reviewer = review_task(manager, name="Page checks", items=4, batch_size=4)
        Item.objects.filter(task=task).update(text=HOSTILE)
        client = as_user(reviewer)
        page = client.get(reverse("review:check-queue", args=[task.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html
        assert "Review guidance" in html
        assert 'data-key="1"' in html
        check = page.context["check"]
        response = client.post(reverse("review:check-queue", args=[task.pk]),
                               {"check": check.pk, "verdict": "inaccurate", "note": ""})
        assert response.status_code == 302
        assert SampleCheck.objects.get(pk=check.pk).verdict == ""
        client.post(reverse("review:check-queue", args=[task.pk]),
                    {"check": check.pk, "verdict": "inaccurate", "note": "Order is wrong"})
        assert SampleCheck.objects.get(pk=check.pk).verdict == "inaccurate"

    def test_sends_an_annotator_of_the_task_home_saying_why(self, manager):
        task, people, _ = review_task(manager, name="Page annotator", items=4, batch_size=4)

        response = as_user(people[0]).get(reverse("review:check-queue", args=[task.pk]))

        assert response.status_code == 302
        assert response.url == reverse("review:home")
        assert [str(message) for message in get_messages(response.wsgi_request)] == \
            ["No such task among those you review."]
        assert not SampleCheck.objects.filter(sample__batch__task=task,
                                              reviewer=people[0]).exists()

    def test_shows_a_check_in_the_same_number_of_queries_however_big_the_sample(
            self, manager, django_assert_num_queries):
        small, _, reviewer = review_task(manager, name="Page small", items=4, batch_size=4)
        large, _, _ = review_task(manager, name="Page large", items=60, batch_size=20)
        join(manager, large, reviewer, "review")
        client = as_user(reviewer)
        for task in (small, large):
            client.get(reverse("review:check-queue", args=[task.pk]))   # claims a check
        main, safety = queries_to_get(client, reverse("review:check-queue", args=[small.pk]))

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            page = client.get(reverse("review:check-queue", args=[large.pk]))

        assert page.context["check"].sample.batch.task_id == large.pk
