import pytest
from django.urls import reverse

from rules.models import RuleAcknowledgement, RuleSet, RuleVersion
from rules.selectors import rule_version_export
from rules.services import rule_version_new_draft

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"api:rules:{name}", args=args)


def json_post(client, path: str, data=None):
    return client.post(path, data or {}, content_type="application/json")


class TestRuleSetApi:
    def test_a_manager_creates_a_rule_set_with_draft_v1(self, manager_client):
        response = json_post(manager_client, url("rule-set-list"), {
            "name": "Code review answers", "kind": "functional", "domain": "programming"})

        assert response.status_code == 201
        body = response.json()
        assert body["versions"][0]["number"] == 1
        assert body["versions"][0]["status"] == "draft"
        assert RuleSet.objects.filter(name="Code review answers").exists()

    def test_bad_input_is_400_with_field_errors(self, manager_client):
        response = json_post(manager_client, url("rule-set-list"), {"name": "", "kind": "x"})

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert {"name", "kind", "domain"} <= set(response.json()["detail"])

    def test_a_worker_cannot_create(self, annotator_client):
        response = json_post(annotator_client, url("rule-set-list"), {
            "name": "Mine", "kind": "safety", "domain": "x"})

        assert response.status_code == 403
        assert not RuleSet.objects.filter(name="Mine").exists()

    def test_workers_see_only_sets_with_published_versions(self, annotator_client,
                                                           published_functional, manager):
        from tests.rules.conftest import make_safety_draft

        make_safety_draft(manager, name="Unpublished safety")

        body = annotator_client.get(url("rule-set-list")).json()

        assert [row["name"] for row in body["results"]] == [published_functional.rule_set.name]
        assert body["results"][0]["versions"] == [{
            "id": published_functional.pk, "number": 1, "status": "published",
            "published_at": body["results"][0]["versions"][0]["published_at"]}]

    def test_a_worker_gets_404_for_an_unpublished_set(self, annotator_client, functional_draft):
        response = annotator_client.get(url("rule-set-detail", functional_draft.rule_set_id))

        assert response.status_code == 404

    def test_versions_are_listed_newest_first(self, manager_client, manager,
                                              published_functional):
        rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)

        body = manager_client.get(url("rule-set-versions",
                                      published_functional.rule_set_id)).json()

        assert [row["number"] for row in body["results"]] == [2, 1]

    def test_the_list_does_not_grow_queries_with_rule_sets(self, manager_client, manager,
                                                           django_assert_max_num_queries):
        from tests.rules.conftest import make_functional_draft

        for n in range(5):
            make_functional_draft(manager, name=f"Set {n}")

        with django_assert_max_num_queries(8):
            response = manager_client.get(url("rule-set-list"))

        assert response.json()["count"] == 5


class TestRuleVersionApi:
    def test_reads_a_version_whole(self, annotator_client, published_safety):
        body = annotator_client.get(url("rule-version-detail", published_safety.pk)).json()

        assert body["status"] == "published"
        assert len(body["risk_rules"]) == 31
        assert body["coverage"] == {"covered": 31, "of": 31, "missing": []}
        assert body["required_approvals"] == 1

    def test_a_draft_is_hidden_from_workers(self, annotator_client, functional_draft):
        response = annotator_client.get(url("rule-version-detail", functional_draft.pk))

        assert response.status_code == 404

    def test_a_manager_sees_a_drafts_gaps(self, manager_client, manager):
        from tests.rules.conftest import make_safety_draft

        draft = make_safety_draft(manager, skip=("A.1.a",))

        body = manager_client.get(url("rule-version-detail", draft.pk)).json()

        assert body["coverage"]["missing"] == ["A.1.a"]
        assert "A.1.a" in body["gaps"][0]

    def test_patch_edits_a_draft(self, manager_client, functional_draft):
        response = manager_client.patch(url("rule-version-detail", functional_draft.pk),
                                        {"objectives": "Sharper.", "target_accuracy": "0.9"},
                                        content_type="application/json")

        assert response.status_code == 200
        assert response.json()["objectives"] == "Sharper."
        assert RuleVersion.objects.get(pk=functional_draft.pk).objectives == "Sharper."

    def test_patch_of_a_published_version_is_409(self, manager_client, published_functional):
        response = manager_client.patch(url("rule-version-detail", published_functional.pk),
                                        {"objectives": "Rewritten."},
                                        content_type="application/json")

        assert response.status_code == 409
        assert response.json()["code"] == "rule_version_not_editable"
        assert RuleVersion.objects.get(pk=published_functional.pk).objectives != "Rewritten."

    def test_patch_refuses_unknown_or_read_only_fields(self, manager_client, functional_draft):
        response = manager_client.patch(url("rule-version-detail", functional_draft.pk),
                                        {"status": "published", "number": 9},
                                        content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "unknown_fields"
        assert set(response.json()["detail"]) == {"status", "number"}
        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "draft"

    def test_patch_validates_values(self, manager_client, functional_draft):
        response = manager_client.patch(url("rule-version-detail", functional_draft.pk),
                                        {"target_accuracy": "1.5", "aql": "3.3"},
                                        content_type="application/json")

        assert response.status_code == 400
        assert {"target_accuracy", "aql"} <= set(response.json()["detail"])

    @pytest.mark.parametrize(("field", "value"), [
        ("target_accuracy", "0.3"), ("target_accuracy", "1.2"), ("sample_rate", "0"),
        ("sample_minimum", 0), ("expected_seconds_per_item", 0),
        ("expected_seconds_per_item", 86401)])
    def test_patch_refuses_a_quality_indicator_out_of_bounds(self, manager_client,
                                                             functional_draft, field, value):
        before = getattr(RuleVersion.objects.get(pk=functional_draft.pk), field)

        response = manager_client.patch(url("rule-version-detail", functional_draft.pk),
                                        {field: value}, content_type="application/json")

        assert response.status_code == 400
        assert set(response.json()["detail"]) == {field}
        assert getattr(RuleVersion.objects.get(pk=functional_draft.pk), field) == before

    def test_patch_refuses_a_minimum_time_above_the_expected_time(self, manager_client,
                                                                   functional_draft):
        response = manager_client.patch(url("rule-version-detail", functional_draft.pk),
                                        {"expected_seconds_per_item": 10},
                                        content_type="application/json")

        assert response.status_code == 400
        assert response.json()["detail"] == {"minimum_seconds_per_item": [
            "The minimum time (20 s) is above the expected time (10 s) per item; lower it, or "
            "raise the expected time."]}
        assert RuleVersion.objects.get(pk=functional_draft.pk).expected_seconds_per_item == 120

    def test_patch_of_an_unknown_version_is_404_with_the_error_body(self, manager_client):
        response = manager_client.patch(url("rule-version-detail", 987654),
                                        {"objectives": "x"}, content_type="application/json")

        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "detail"}
        assert not RuleVersion.objects.filter(pk=987654).exists()

    def test_put_writes_a_risk_rule(self, manager_client, manager):
        from tests.rules.conftest import make_safety_draft

        draft = make_safety_draft(manager, skip=("A.2.f",))

        response = manager_client.put(url("risk-rule", draft.pk, "A.2.f"), {
            "definition": "Age bias.", "decision_criteria": "Demeans by age.",
            "review_criteria": "Check the span."}, content_type="application/json")

        assert response.status_code == 200
        assert draft.risk_rules.get(category__code="A.2.f").definition == "Age bias."

    def test_put_answers_404_for_an_unknown_code(self, manager_client, safety_draft):
        response = manager_client.put(url("risk-rule", safety_draft.pk, "A.7.a"),
                                      {"definition": "x"}, content_type="application/json")

        assert response.status_code == 404
        assert response.json()["code"] == "risk_category_not_found"
        assert "A.1.a to A.5.b" in response.json()["message"]
        assert response.json()["detail"] == {}
        assert not safety_draft.risk_rules.filter(definition="x").exists()


class TestLifecycleApi:
    def test_publish_lists_gaps_with_409(self, manager_client, manager):
        from tests.rules.conftest import make_safety_draft

        draft = make_safety_draft(manager, skip=("A.5.a", "A.5.b"))

        response = json_post(manager_client, url("rule-version-publish", draft.pk))

        assert response.status_code == 409
        assert response.json()["code"] == "rule_version_incomplete"
        assert "A.5.a, A.5.b" in response.json()["detail"]["gaps"][0]

    def test_publish_then_publish_again(self, manager_client, functional_draft):
        first = json_post(manager_client, url("rule-version-publish", functional_draft.pk))
        second = json_post(manager_client, url("rule-version-publish", functional_draft.pk))

        assert first.status_code == 200
        assert first.json()["status"] == "published"
        assert second.status_code == 409
        assert second.json()["code"] == "rule_version_wrong_state"

    def test_new_draft_and_retire(self, manager_client, published_functional):
        draft = json_post(manager_client, url("rule-version-new-draft", published_functional.pk))
        again = json_post(manager_client, url("rule-version-new-draft", published_functional.pk))
        retired = json_post(manager_client, url("rule-version-retire", published_functional.pk),
                            {"reason": "superseded"})

        assert draft.status_code == 201
        assert draft.json()["number"] == 2
        assert again.status_code == 409
        assert again.json()["code"] == "draft_already_exists"
        assert retired.status_code == 200
        assert retired.json()["status"] == "retired"

    def test_acknowledge(self, annotator_client, annotator, published_functional):
        response = json_post(annotator_client, url("rule-version-acknowledge",
                                                   published_functional.pk))

        assert response.status_code == 200
        assert response.json()["user"] == annotator.username
        assert RuleAcknowledgement.objects.filter(user=annotator,
                                                  version=published_functional).exists()

    def test_diff_as_json(self, manager_client, manager, published_functional):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)
        manager_client.patch(url("rule-version-detail", draft.pk), {"data_formats": "JSONL"},
                             content_type="application/json")

        response = manager_client.get(url("rule-version-diff", draft.pk),
                                      {"against": published_functional.pk})

        assert response.status_code == 200
        assert response.json()["changed_sections"] == ["data_formats"]

    def test_diff_needs_a_version_to_compare_with(self, manager_client, published_functional,
                                                  published_safety):
        missing = manager_client.get(url("rule-version-diff", published_functional.pk))
        foreign = manager_client.get(url("rule-version-diff", published_functional.pk),
                                     {"against": published_safety.pk})

        assert missing.status_code == 400
        assert foreign.status_code == 400
        assert {missing.json()["code"], foreign.json()["code"]} == {
            "rule_versions_not_comparable"}

    def test_export_and_import(self, manager_client, published_safety):
        exported = manager_client.get(url("rule-version-export", published_safety.pk))
        document = exported.json()
        document["rule_set"]["name"] = "Imported safety rules"

        imported = json_post(manager_client, url("rule-version-import"), document)

        assert exported.status_code == 200
        assert "attachment" in exported["Content-Disposition"]
        assert imported.status_code == 201
        assert imported.json()["status"] == "draft"
        assert imported.json()["coverage"]["covered"] == 31

    def test_import_refuses_a_malformed_document(self, manager_client):
        response = json_post(manager_client, url("rule-version-import"), {"format": "x"})

        assert response.status_code == 400
        assert response.json()["code"] == "rule_content_invalid"
        assert response.json()["detail"]["document"]


class TestWorkersCannotWrite:
    """A worker without the rules permission changes nothing through any endpoint."""

    @pytest.mark.parametrize("role_client", ["annotator_client", "reviewer_client"])
    def test_every_write_endpoint_refuses(self, request, role_client, manager,
                                          published_safety):
        from tests.rules.conftest import make_functional_draft

        client = request.getfixturevalue(role_client)
        draft = make_functional_draft(manager, name="Draft set")
        document = rule_version_export(version=published_safety)
        document["rule_set"]["name"] = "Smuggled"
        before = RuleVersion.objects.order_by("pk").values_list("pk", "status", "objectives")

        attempts = [
            json_post(client, url("rule-set-list"), {"name": "S", "kind": "safety",
                                                     "domain": "x"}),
            client.patch(url("rule-version-detail", draft.pk), {"objectives": "x"},
                         content_type="application/json"),
            client.patch(url("rule-version-detail", published_safety.pk), {"objectives": "x"},
                         content_type="application/json"),
            client.put(url("risk-rule", published_safety.pk, "A.1.a"), {"definition": "x"},
                       content_type="application/json"),
            json_post(client, url("rule-version-publish", draft.pk)),
            json_post(client, url("rule-version-retire", published_safety.pk)),
            json_post(client, url("rule-version-new-draft", published_safety.pk)),
            json_post(client, url("rule-version-import"), document),
        ]

        assert [r.status_code for r in attempts] == [403] * len(attempts)
        assert {r.json()["code"] for r in attempts} == {"permission_denied"}
        assert list(RuleVersion.objects.order_by("pk").values_list(
            "pk", "status", "objectives")) == list(before)
        assert not RuleSet.objects.filter(name__in=["S", "Smuggled"]).exists()
