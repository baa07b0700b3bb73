import pytest
from django.urls import reverse

from safety_labels.models import SafetyApproval, SafetyLabel
from tests.review_setup import as_user, post_json, safety_setup

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestSafetyApprovalsApi:
    def test_approve_reject_escalate_and_adjudicate(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Apisafe", items=3)
        client = as_user(first)
        label = post_json(client, reverse("api:review:safety-approval-next",
                                          args=[task.pk])).json()
        assert label["item"]["text"]
        approve = post_json(client, reverse("api:review:safety-label-approve",
                                            args=[label["label"]["id"]]))
        assert approve.json()["status"] == "approved"
        again = post_json(client, reverse("api:review:safety-label-approve",
                                          args=[label["label"]["id"]]))
        assert (again.status_code, again.json()["code"]) == (409, "safety_label_not_open")
        other = post_json(client, reverse("api:review:safety-approval-next",
                                          args=[task.pk])).json()
        refused = post_json(client, reverse("api:review:safety-label-reject",
                                            args=[other["label"]["id"]]), {"comment": ""})
        assert (refused.status_code, refused.json()["code"]) == \
            (400, "decision_comment_invalid")
        escalated = post_json(client, reverse("api:review:safety-label-escalate",
                                              args=[other["label"]["id"]]),
                              {"comment": "Unsure"})
        assert escalated.json()["status"] == "escalated"
        assert as_user(manager).get(reverse("api:review:escalated-list")).json()["count"] == 1
        url = reverse("api:review:safety-label-adjudicate", args=[other["label"]["id"]])
        assert post_json(as_user(second), url, {"decision": "reject",
                                                "comment": "No"}).status_code == 404
        ruled = post_json(as_user(manager), url, {"decision": "reject",
                                                  "comment": "It is A.2.a"})
        assert ruled.json()["status"] == "rejected"


class TestSafetyApprovalNextApi:
    def test_gives_the_label_with_the_item_it_judges(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Apinext", items=2)

        response = post_json(as_user(first), reverse("api:review:safety-approval-next",
                                                     args=[task.pk]))

        body = response.json()
        label = SafetyLabel.objects.get(pk=body["label"]["id"])
        assert body["item"]["id"] == label.item_id
        assert body["label"]["task"] == task.pk


class TestSafetyLabelEscalateApi:
    def test_a_reviewer_who_voted_is_refused_with_a_409(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Apiesc", items=1, approvals=2)
        label = SafetyLabel.objects.get(task_id=task.pk)
        client = as_user(first)
        post_json(client, reverse("api:review:safety-label-approve", args=[label.pk]))

        response = post_json(client, reverse("api:review:safety-label-escalate",
                                             args=[label.pk]), {"comment": "Unsure"})

        assert (response.status_code, response.json()["code"]) == \
            (409, "safety_label_already_decided")
        assert not SafetyApproval.objects.filter(label=label, decision="escalate").exists()
