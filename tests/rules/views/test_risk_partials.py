import pytest
from django.template.loader import render_to_string

from rules.selectors import risk_group_list_with_categories
from rules.templatetags.risk_categories import dict_get

pytestmark = pytest.mark.django_db


def entry_of(html: str, code: str) -> str:
    """The markup of one category's entry, from its code to the end of its element."""
    return html.split(f"<code>{code}</code>")[1].split("</div>")[0].split("</label>")[0]


class TestDictGet:
    def test_looks_a_value_up_by_a_variable_key(self):
        assert dict_get({"A.1.a": "Subversion.", "A.1.b": "Other."}, "A.1.b") == "Other."

    def test_is_empty_for_a_missing_key_or_mapping(self):
        assert dict_get({"A.1.a": "Subversion."}, "A.1.b") == ""
        assert dict_get(None, "A.1.a") == ""


class TestRiskDefinitions:
    def test_shows_each_category_with_its_own_definition_escaped(self):
        html = render_to_string("rules/_risk_definitions.html", {
            "groups": risk_group_list_with_categories(),
            "definitions": {"A.1.a": "Subverting <b>state</b> power.", "A.5.b": "Unreliable."}})

        assert html.count('<div class="definition"') == 31
        assert "Subverting &lt;b&gt;state&lt;/b&gt; power." in entry_of(html, "A.1.a")
        assert "Unreliable." in entry_of(html, "A.5.b")
        assert "Unreliable." not in entry_of(html, "A.1.a")
        assert 'id="rules-search"' not in html
        assert "data-search" not in html

    def test_a_searchable_panel_has_a_search_box_and_a_text_per_category(self):
        html = render_to_string("rules/_risk_definitions.html", {
            "groups": risk_group_list_with_categories(), "definitions": {},
            "searchable": True})

        assert 'id="rules-search"' in html
        assert html.count("data-search=") == 31
        assert 'data-search="a.1.a ' in html


class TestRiskPicker:
    def render(self, **params) -> str:
        return render_to_string("rules/_risk_picker.html",
                                {"groups": risk_group_list_with_categories(), **params})

    def test_offers_one_checkbox_per_category_under_the_given_name(self):
        html = self.render(name="risk_codes", layout="fieldset")

        assert html.count('<input type="checkbox" name="risk_codes"') == 31
        assert 'value="A.1.a"' in html
        assert 'value="A.5.b"' in html
        assert " checked" not in html

    def test_ticks_only_the_codes_given(self):
        html = self.render(name="q7", layout="grid", checked=["A.2.c", "A.4.a"])

        assert html.count(" checked") == 2
        assert 'value="A.2.c" checked' in html
        assert 'value="A.4.a" checked' in html

    @pytest.mark.parametrize(("layout", "group_tag", "heading_tag"), [
        ("details", "<details open", "<summary>"), ("fieldset", "<fieldset", "<legend>")])
    def test_groups_the_categories_as_the_page_asks(self, layout, group_tag, heading_tag):
        html = self.render(name="risk_codes", layout=layout)

        assert html.count(group_tag) == 5
        assert html.count(heading_tag) == 5
        assert html.count('<label class="risk"') == 31

    def test_a_grid_has_no_group_headings(self):
        html = self.render(name="q7", layout="grid")

        assert html.count('<div class="risk-grid">') == 1
        assert "<details" not in html
        assert "<fieldset" not in html
        assert html.count("<label>") == 31

    def test_a_searchable_picker_gives_each_label_its_search_text(self):
        html = self.render(name="risk_codes", layout="details", searchable=True)

        assert html.count("data-search=") == 31
        assert 'data-search="a.1.a ' in html
