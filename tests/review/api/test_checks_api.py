import json

import pytest
from django.urls import reverse

from annotation.models import FunctionalLabel
from review.models import BatchDecision, SampleCheck
from review.selectors import decision_risk_codes
from safety_labels.models import VerdictRisk
from tests.review_setup import as_user, check_all, post_json, review_task, samples_of
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestSampleCheckNextApi:
    def test_shows_the_label_and_its_item_but_not_who_made_it(self, manager):
        task, people, reviewer = review_task(manager, name="Api next", items=8, batch_size=8)

        response = post_json(as_user(reviewer),
                             reverse("api:review:sample-check-next", args=[task.pk]))

        assert response.status_code == 200
        check = response.json()
        label = FunctionalLabel.objects.get(checks__pk=check["id"])
        assert check["label"] == GOOD_FUNCTIONAL["payload"] == label.payload
        assert check["item"]["text"].startswith("Api next item")
        assert not {"annotator", "annotator_id", "user"} & set(check)
        assert not any(person.username in json.dumps(check) for person in people)

    def test_answers_204_once_every_check_is_done(self, manager):
        task, _, reviewer = review_task(manager, name="Api done", items=4, batch_size=4)
        check_all(reviewer, task)

        response = post_json(as_user(reviewer),
                             reverse("api:review:sample-check-next", args=[task.pk]))

        assert response.status_code == 204


class TestSampleCheckVerdictApi:
    def test_a_reviewer_checks_the_sample_and_the_manager_reads_the_decision(self, manager):
        task, _people, reviewer = review_task(manager, name="Api checks", items=8, batch_size=8)
        client = as_user(reviewer)
        next_url = reverse("api:review:sample-check-next", args=[task.pk])
        checked = 0

        while (response := post_json(client, next_url)).status_code == 200:
            verdict = post_json(client, reverse("api:review:sample-check-verdict",
                                                args=[response.json()["id"]]),
                                {"verdict": "accurate"})
            assert verdict.status_code == 200, verdict.json()
            assert verdict.json()["verdict"] == "accurate"
            checked += 1

        assert response.status_code == 204
        sample = samples_of(task).get()
        assert checked == len(sample.item_ids)
        decisions = as_user(manager).get(reverse("api:review:decision-list", args=[task.pk]))
        assert [row["outcome"] for row in decisions.json()["results"]] == ["accepted"]
        detail = as_user(manager).get(reverse("api:review:sample-detail", args=[sample.pk]))
        assert detail.json()["redraw_matches"] is True

    def test_bad_verdicts_are_refused_and_change_nothing(self, manager):
        task, _, reviewer = review_task(manager, name="Api bad", items=5, batch_size=5)
        client = as_user(reviewer)
        check = post_json(client, reverse("api:review:sample-check-next", args=[task.pk])).json()
        url = reverse("api:review:sample-check-verdict", args=[check["id"]])

        for body, field, code in [({"verdict": "maybe"}, "verdict", "invalid"),
                                  ({"verdict": "inaccurate"}, "note", "verdict_invalid"),
                                  ({"verdict": "illegal"}, "risk_codes", "verdict_invalid")]:
            response = post_json(client, url, body)

            assert response.status_code == 400
            assert response.json()["code"] == code
            assert field in json.dumps(response.json()["detail"])
        assert not SampleCheck.objects.filter(sample__batch__task=task).exclude(verdict="") \
            .exists()

    def test_an_a1_to_a4_code_with_an_inaccurate_verdict_is_refused(self, manager):
        task, _, reviewer = review_task(manager, name="Mixed", items=3, batch_size=3)
        client = as_user(reviewer)
        check = post_json(client, reverse("api:review:sample-check-next", args=[task.pk])).json()

        response = post_json(client, reverse("api:review:sample-check-verdict",
                                             args=[check["id"]]),
                             {"verdict": "inaccurate", "note": "x", "risk_codes": ["A.2.a"]})

        assert response.status_code == 400
        assert response.json()["detail"] == {"risk_codes": ["A.2.a"]}
        assert SampleCheck.objects.get(pk=check["id"]).verdict == ""

    def test_annotators_and_strangers_get_404(self, manager, reviewer):
        task, people, _ = review_task(manager, name="Api who", items=5, batch_size=5)
        check = SampleCheck.objects.filter(sample__batch__task=task).first()

        for user in (people[0], reviewer):
            client = as_user(user)
            assert post_json(client, reverse("api:review:sample-check-next",
                                             args=[task.pk])).status_code == 404
            assert post_json(client, reverse("api:review:sample-check-verdict",
                                             args=[check.pk]),
                             {"verdict": "accurate"}).status_code == 404
            assert client.get(reverse("api:review:decision-list",
                                      args=[task.pk])).status_code == 404

        check.refresh_from_db()
        assert (check.verdict, check.reviewer_id) == ("", None)

    @pytest.mark.parametrize(("verdict", "codes"), [("accurate", []), ("illegal", ["A.4.a"])])
    def test_a_refused_second_verdict_leaves_the_first_ones_codes(self, manager, verdict,
                                                                 codes):
        task, _, reviewer = review_task(manager, name="Evidence", items=3, batch_size=3)
        first = samples_of(task).get().item_ids[0]
        check_all(reviewer, task, {first: ("illegal", "", ["A.1.c"])})
        check = SampleCheck.objects.get(item_id=first)
        decision = BatchDecision.objects.get(batch__task=task)

        response = post_json(as_user(reviewer),
                             reverse("api:review:sample-check-verdict", args=[check.pk]),
                             {"verdict": verdict, "risk_codes": codes})

        assert response.status_code == 409
        assert response.json()["code"] == "check_already_recorded"
        assert decision_risk_codes(decision=decision) == {first: ["A.1.c"]}
        assert VerdictRisk.objects.filter(check_id=check.pk).count() == 1
