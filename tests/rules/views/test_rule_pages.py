import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rules.models import RuleAcknowledgement, RuleVersion
from rules.selectors import rule_version_export
from rules.services import rule_version_new_draft, rule_version_update
from tests.rules.conftest import make_safety_draft

pytestmark = pytest.mark.django_db

HOSTILE = ('<script>window.pwned = 1</script>\n\n[click me](javascript:alert(1)) '
           '<img src=x onerror="alert(2)"> <a href="https://example.org" onclick="x()">ok</a>')


class TestRuleSetPages:
    def test_the_list_shows_sets_and_their_versions(self, manager_client, published_functional):
        html = manager_client.get(reverse("rules:rule-set-list")).content.decode()

        assert published_functional.rule_set.name in html
        assert "v1 published" in html
        assert "New rule set" in html

    def test_workers_see_no_create_button(self, annotator_client, published_functional):
        html = annotator_client.get(reverse("rules:rule-set-list")).content.decode()

        assert published_functional.rule_set.name in html
        assert "New rule set" not in html

    def test_a_manager_creates_a_set_and_lands_in_its_draft(self, manager_client):
        response = manager_client.post(reverse("rules:rule-set-create"), {
            "name": "Translation quality", "kind": "functional", "domain": "zh-en"})

        draft = RuleVersion.objects.get(rule_set__name="Translation quality")
        assert response.status_code == 302
        assert response.url == reverse("rules:rule-version-edit", args=[draft.pk])

    def test_a_worker_cannot_open_the_create_page(self, annotator_client):
        assert annotator_client.get(reverse("rules:rule-set-create")).status_code == 403


class TestVersionPage:
    def test_renders_markdown_sanitised(self, manager_client, manager, functional_draft):
        rule_version_update(actor=manager, version_id=functional_draft.pk,
                            changes={"objectives": "**Rank** the answers.\n\n" + HOSTILE})

        html = manager_client.get(reverse("rules:rule-version-detail",
                                          args=[functional_draft.pk])).content.decode()

        assert "<strong>Rank</strong>" in html
        assert "window.pwned" not in html
        assert "javascript:" not in html
        assert "onerror" not in html
        assert "onclick" not in html
        assert "<img" not in html
        assert 'href="https://example.org"' in html

    def test_workers_may_acknowledge_a_published_version(self, annotator_client, annotator,
                                                         published_functional):
        url = reverse("rules:rule-version-detail", args=[published_functional.pk])
        before = annotator_client.get(url).content.decode()

        response = annotator_client.post(reverse("rules:rule-version-acknowledge",
                                                 args=[published_functional.pk]))
        after = annotator_client.get(url).content.decode()

        assert "I have read and will follow v1" in before
        assert response.status_code == 302
        assert "You acknowledged this version" in after
        assert RuleAcknowledgement.objects.filter(user=annotator).exists()

    def test_a_draft_is_not_found_for_workers(self, annotator_client, functional_draft):
        response = annotator_client.get(reverse("rules:rule-version-detail",
                                                args=[functional_draft.pk]))

        assert response.status_code == 404

    def test_shows_the_label_specification(self, annotator_client, published_functional):
        html = annotator_client.get(reverse("rules:rule-version-detail",
                                            args=[published_functional.pk])).content.decode()

        assert "Order the answers, best first" in html
        assert "1 to 5" in html


class TestDraftEditor:
    def test_shows_the_coverage_meter_with_missing_categories_linked(self, manager_client,
                                                                     manager):
        draft = make_safety_draft(manager, skip=("A.1.b", "A.2.c", "A.3.d", "A.4.e"))

        html = manager_client.get(reverse("rules:rule-version-edit",
                                          args=[draft.pk])).content.decode()

        assert "27 of 31 categories covered" in html
        assert 'value="27"' in html
        for code in ("A.1.b", "A.2.c", "A.3.d", "A.4.e"):
            assert f'href="{reverse("rules:risk-rule-edit", args=[draft.pk, code])}"' in html

    def test_saves_sections(self, manager_client, functional_draft):
        url = reverse("rules:rule-version-edit", args=[functional_draft.pk])
        form = manager_client.get(url).context["form"]
        data = {name: form[name].value() if form[name].value() is not None else ""
                for name in form.fields}
        data["label_spec"] = json.dumps(functional_draft.label_spec)
        data["objectives"] = "Edited in the browser."

        response = manager_client.post(url, data)

        assert response.status_code == 302
        assert RuleVersion.objects.get(pk=functional_draft.pk).objectives == \
            "Edited in the browser."

    @staticmethod
    def editor_data(client, url) -> dict:
        form = client.get(url).context["form"]
        data = {name: form[name].value() if form[name].value() is not None else ""
                for name in form.fields}
        data["label_spec"] = json.dumps(form["label_spec"].value())
        return data

    @pytest.mark.parametrize(("field", "value"), [
        ("target_accuracy", "0.45"), ("sample_rate", "0.0005"), ("sample_minimum", "0"),
        ("expected_seconds_per_item", "0"), ("expected_seconds_per_item", "86401")])
    def test_a_quality_indicator_out_of_bounds_is_refused_beside_it(
            self, manager_client, functional_draft, field, value):
        url = reverse("rules:rule-version-edit", args=[functional_draft.pk])
        before = getattr(RuleVersion.objects.get(pk=functional_draft.pk), field)

        response = manager_client.post(url, {**self.editor_data(manager_client, url),
                                             field: value})

        assert response.status_code == 200
        assert set(response.context["form"].errors) == {field}
        assert getattr(RuleVersion.objects.get(pk=functional_draft.pk), field) == before

    def test_a_minimum_time_above_the_expected_time_is_refused_beside_it(self, manager_client,
                                                                         functional_draft):
        url = reverse("rules:rule-version-edit", args=[functional_draft.pk])

        response = manager_client.post(url, {**self.editor_data(manager_client, url),
                                             "minimum_seconds_per_item": "300"})

        assert response.status_code == 200
        assert response.context["form"].errors == {"minimum_seconds_per_item": [
            "The minimum time (300 s) is above the expected time (120 s) per item; lower it, "
            "or raise the expected time."]}
        assert "lower it, or raise the expected time" in response.content.decode()
        assert RuleVersion.objects.get(pk=functional_draft.pk).minimum_seconds_per_item == 20

    def test_bad_json_in_the_label_specification_is_explained(self, manager_client,
                                                              functional_draft):
        url = reverse("rules:rule-version-edit", args=[functional_draft.pk])

        response = manager_client.post(url, {"label_spec": "[not json", "sampling_scheme":
                                             "iso2859_1", "inspection_level": "II"})

        assert response.status_code == 200
        assert "Enter a valid JSON" in response.content.decode()

    def test_a_published_version_cannot_be_opened_for_editing(self, manager_client,
                                                              published_functional):
        response = manager_client.get(reverse("rules:rule-version-edit",
                                              args=[published_functional.pk]), follow=True)

        assert "never changes" in response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("rules:rule-version-detail",
                                                         args=[published_functional.pk])

    def test_writes_a_risk_rule(self, manager_client, manager):
        draft = make_safety_draft(manager, skip=("A.5.a",))

        response = manager_client.post(reverse("rules:risk-rule-edit", args=[draft.pk, "A.5.a"]),
                                       {"definition": "Gross error.", "decision_criteria": "x",
                                        "review_criteria": "y"})

        assert response.status_code == 302
        assert draft.risk_rules.get(category__code="A.5.a").definition == "Gross error."


class TestPublishPage:
    def test_lists_the_gaps_instead_of_a_button(self, manager_client, manager):
        draft = make_safety_draft(manager, skip=("A.2.i",))

        html = manager_client.get(reverse("rules:rule-version-publish",
                                          args=[draft.pk])).content.decode()

        assert "A.2.i" in html
        assert "<button" not in html.split("<main")[1].split("</main>")[0].replace(
            "Log out", "")

    def test_asks_for_confirmation_then_publishes(self, manager_client, functional_draft):
        url = reverse("rules:rule-version-publish", args=[functional_draft.pk])

        confirmation = manager_client.get(url).content.decode()
        response = manager_client.post(url)

        assert "can never be changed" in confirmation
        assert response.status_code == 302
        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "published"

    def test_a_worker_cannot_publish(self, annotator_client, functional_draft):
        response = annotator_client.post(reverse("rules:rule-version-publish",
                                                 args=[functional_draft.pk]))

        assert response.status_code == 403
        assert RuleVersion.objects.get(pk=functional_draft.pk).status == "draft"


class TestNewDraftRetireDiffImport:
    def test_new_draft_button_copies_and_opens_the_editor(self, manager_client,
                                                          published_functional):
        response = manager_client.post(reverse("rules:rule-version-new-draft",
                                               args=[published_functional.pk]))

        draft = RuleVersion.objects.get(rule_set=published_functional.rule_set, number=2)
        assert response.url == reverse("rules:rule-version-edit", args=[draft.pk])

    def test_retire_asks_then_retires(self, manager_client, published_functional):
        url = reverse("rules:rule-version-retire", args=[published_functional.pk])

        assert "stays readable" in manager_client.get(url).content.decode()
        manager_client.post(url, {"reason": "superseded"})

        assert RuleVersion.objects.get(pk=published_functional.pk).status == "retired"

    def test_the_diff_highlights_changed_words(self, manager_client, manager,
                                               published_functional):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)
        rule_version_update(actor=manager, version_id=draft.pk, changes={
            "data_formats": published_functional.data_formats.replace("UTF-8", "ASCII")})

        html = manager_client.get(reverse("rules:rule-version-diff", args=[draft.pk]),
                                  {"against": published_functional.pk}).content.decode()

        assert "<del>UTF-8</del>" in html
        assert "<ins>ASCII</ins>" in html
        assert "Data formats" in html
        assert "Objectives" not in html.split("From v1 to v2")[1]

    def test_the_diff_escapes_hostile_text(self, manager_client, manager, published_functional):
        draft = rule_version_new_draft(actor=manager, source_version_id=published_functional.pk)
        rule_version_update(actor=manager, version_id=draft.pk, changes={"objectives": HOSTILE})

        html = manager_client.get(reverse("rules:rule-version-diff", args=[draft.pk]),
                                  {"against": published_functional.pk}).content.decode()

        assert "<script>window.pwned" not in html
        assert "&lt;script&gt;" in html

    def test_export_downloads_json(self, annotator_client, published_safety):
        response = annotator_client.get(reverse("rules:rule-version-export",
                                                args=[published_safety.pk]))

        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content)["format"] == "awm.rule_version"

    def test_import_makes_a_draft(self, manager_client, published_safety):
        document = rule_version_export(version=published_safety)
        document["rule_set"]["name"] = "Uploaded rules"
        upload = SimpleUploadedFile("rules.json", json.dumps(document).encode(),
                                    content_type="application/json")

        response = manager_client.post(reverse("rules:rule-version-import"), {"file": upload})

        draft = RuleVersion.objects.get(rule_set__name="Uploaded rules")
        assert response.url == reverse("rules:rule-version-edit", args=[draft.pk])

    def test_import_explains_a_bad_file(self, manager_client):
        upload = SimpleUploadedFile("rules.json", b"\xff\xfe not json")

        response = manager_client.post(reverse("rules:rule-version-import"), {"file": upload})

        assert response.status_code == 200
        assert "not UTF-8 JSON" in response.content.decode()
