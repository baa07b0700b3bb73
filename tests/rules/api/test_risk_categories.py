import re
from collections import Counter

import pytest
from django.urls import reverse

from rules.models import ReadOnlyReference, RiskCategory, RiskGroup

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^A\.[1-5]\.[a-i]$")


class TestRiskCategoryData:
    def test_there_are_31_categories_in_the_standards_order(self):
        codes = list(RiskCategory.objects.order_by("position").values_list("code", flat=True))

        assert len(codes) == 31
        assert codes[0] == "A.1.a"
        assert codes[-1] == "A.5.b"
        assert codes == sorted(codes)

    def test_groups_hold_8_9_5_7_and_2(self):
        per_group = Counter(RiskCategory.objects.values_list("group__code", flat=True))

        assert per_group == {"A.1": 8, "A.2": 9, "A.3": 5, "A.4": 7, "A.5": 2}

    def test_codes_are_unique_and_well_formed(self):
        codes = list(RiskCategory.objects.values_list("code", flat=True))

        assert len(set(codes)) == len(codes)
        assert all(CODE.match(code) for code in codes)
        assert all(code.startswith(group) for code, group in
                   RiskCategory.objects.values_list("code", "group__code"))

    def test_every_category_and_group_has_english_and_chinese(self):
        for category in RiskCategory.objects.select_related("group"):
            assert category.name_en.strip()
            assert category.name_zh.strip()
            assert category.group.title_en.strip()
            assert category.group.title_zh.strip()

    def test_chinese_given_by_the_standard_is_kept(self):
        category = RiskCategory.objects.get(code="A.2.c")

        assert "国别歧视" in category.name_zh
        assert category.name_zh_from_standard


class TestRiskCategoryHasNoWritePath:
    def test_saving_a_changed_row_is_refused(self):
        category = RiskCategory.objects.get(code="A.1.a")
        category.name_en = "changed"

        with pytest.raises(ReadOnlyReference) as refused:
            category.save()

        assert refused.value.code == "risk_reference_read_only"
        assert refused.value.http_status == 403
        assert RiskCategory.objects.get(code="A.1.a").name_en != "changed"

    def test_creating_a_row_is_refused(self):
        group = RiskGroup.objects.get(code="A.5")

        with pytest.raises(ReadOnlyReference):
            RiskCategory.objects.create(code="A.5.c", group=group, name_en="x", name_zh="x",
                                        position=99)
        with pytest.raises(ReadOnlyReference):
            RiskCategory.objects.bulk_create([RiskCategory(code="A.5.c", group=group, position=99)])

    def test_queryset_update_and_delete_are_refused(self):
        with pytest.raises(ReadOnlyReference):
            RiskCategory.objects.filter(code="A.1.a").update(name_en="changed")
        with pytest.raises(ReadOnlyReference):
            RiskCategory.objects.filter(code="A.1.a").delete()
        with pytest.raises(ReadOnlyReference):
            RiskGroup.objects.all().delete()

        assert RiskCategory.objects.filter(code="A.1.a").exists()

    def test_instance_delete_is_refused(self):
        with pytest.raises(ReadOnlyReference):
            RiskCategory.objects.get(code="A.1.a").delete()

    def test_admin_offers_no_add_change_or_delete(self, admin_client):
        category = RiskCategory.objects.get(code="A.1.a")

        add = admin_client.get(reverse("admin:rules_riskcategory_add"))
        delete = admin_client.post(reverse("admin:rules_riskcategory_delete", args=[category.pk]),
                                   {"post": "yes"})
        change = admin_client.post(reverse("admin:rules_riskcategory_change", args=[category.pk]),
                                   {"code": "X", "name_en": "changed"})

        assert add.status_code == 403
        assert delete.status_code == 403
        assert change.status_code == 403
        assert RiskCategory.objects.get(pk=category.pk).name_en != "changed"


class TestRiskCategoryApi:
    def test_lists_all_31_to_any_logged_in_worker(self, annotator_client):
        response = annotator_client.get(reverse("api:rules:risk-category-list"), {"page_size": 100})

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 31
        assert [row["code"] for row in body["results"]][:2] == ["A.1.a", "A.1.b"]
        assert body["results"][0]["group"] == "A.1"
        assert body["results"][0]["name_zh"]

    def test_paginates(self, annotator_client):
        response = annotator_client.get(reverse("api:rules:risk-category-list"), {"page_size": 10})

        body = response.json()
        assert len(body["results"]) == 10
        assert body["next"]

    def test_reads_one_by_code(self, annotator_client):
        response = annotator_client.get(reverse("api:rules:risk-category-detail", args=["A.4.e"]))

        assert response.status_code == 200
        assert response.json()["name_en"] == "Infringement of others' right to privacy"

    def test_unknown_code_is_404_with_an_error_body(self, annotator_client):
        response = annotator_client.get(reverse("api:rules:risk-category-detail", args=["A.9.z"]))

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_refuses_every_write(self, manager_client, method):
        list_url = reverse("api:rules:risk-category-list")
        detail_url = reverse("api:rules:risk-category-detail", args=["A.1.a"])

        for url in (list_url, detail_url):
            response = getattr(manager_client, method)(url, {"code": "A.1.a", "name_en": "x"},
                                                        content_type="application/json")
            assert response.status_code == 405
            assert response.json()["code"] == "method_not_allowed"
        assert RiskCategory.objects.get(code="A.1.a").name_en != "x"

    def test_anonymous_is_refused(self, client):
        response = client.get(reverse("api:rules:risk-category-list"))

        assert response.status_code == 401
        assert set(response.json()) == {"code", "message", "detail"}

    def test_list_makes_a_fixed_number_of_queries(self, annotator_client,
                                                  django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            response = annotator_client.get(reverse("api:rules:risk-category-list"),
                                            {"page_size": 100})

        assert response.status_code == 200


class TestRiskCategoryPage:
    def test_shows_every_category_grouped(self, annotator_client):
        response = annotator_client.get(reverse("rules:risk-category-list"))

        html = response.content.decode()
        assert response.status_code == 200
        assert html.count("<code>A.") == 31
        assert "A.5 Inability to meet the safety requirements" in html
