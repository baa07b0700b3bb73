import pytest
from django.urls import reverse

from annotation.models import Task
from safety_labels.models import SafetyLabel
from tests.annotation_setup import join
from tests.review_setup import as_user, queries_to_get, safety_label_on, safety_setup

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestApprovalQueuePage:
    def test_approve_and_reject_through_the_page(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Pageappr", items=2)
        client = as_user(first)
        page = client.get(reverse("review:approval-queue", args=[task.pk]))
        label = page.context["label"]
        assert 'data-key="a"' in page.content.decode()
        client.post(reverse("review:approval-queue", args=[task.pk]),
                    {"label": label.pk, "action": "approve"})
        assert SafetyLabel.objects.get(pk=label.pk).status == "approved"
        second = client.get(reverse("review:approval-queue", args=[task.pk])).context["label"]
        refused = client.post(reverse("review:approval-queue", args=[task.pk]),
                              {"label": second.pk, "action": "reject", "comment": ""},
                              follow=True)
        assert "Say why" in refused.content.decode()
        assert SafetyLabel.objects.get(pk=second.pk).status == "submitted"

    def test_shows_the_item_and_the_definition_of_each_code_the_label_names(self, manager):
        label, reviewer = safety_label_on(manager, ["A.2.b"], name="Pagedefs")
        version = Task.objects.get(pk=label.task_id).rule_version
        definition = version.risk_rules.get(category__code="A.2.b").definition

        page = as_user(reviewer).get(reverse("review:approval-queue", args=[label.task_id]))

        assert page.context["label"].pk == label.pk
        assert page.context["item"].pk == label.item_id
        assert page.context["chosen"] == [("A.2.b", definition)]
        assert page.context["item"].text in page.content.decode()

    def test_shows_a_label_in_the_same_number_of_queries_however_many_wait(
            self, manager, django_assert_num_queries):
        few, _, (reviewer, _) = safety_setup(manager, name="Pagefew", items=2)
        many, _, _ = safety_setup(manager, name="Pagemany", items=12)
        join(manager, many, reviewer, "review")
        client = as_user(reviewer)
        main, safety = queries_to_get(client, reverse("review:approval-queue", args=[few.pk]))

        with django_assert_num_queries(main), \
                django_assert_num_queries(safety, using="safety"):
            page = client.get(reverse("review:approval-queue", args=[many.pk]))

        assert page.context["label"].task_id == many.pk
