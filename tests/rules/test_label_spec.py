import pytest

from demo.rules import FUNCTIONAL_FIELDS
from rules.label_spec import label_errors, label_spec_errors

SPEC = FUNCTIONAL_FIELDS["label_spec"]


class TestLabelSpecErrors:
    def test_accepts_every_widget_kind(self):
        spec = [*SPEC, {"name": "topic", "type": "single_choice", "label": "Topic",
                        "options": ["Health", "Law"]}]

        assert label_spec_errors(spec) == []

    @pytest.mark.parametrize(("spec", "message"), [
        ([], "should be non-empty"),
        ("not a list", "is not of type 'array'"),
        ([{"name": "x", "type": "slider", "label": "X"}], "is not one of"),
        ([{"name": "Bad Name", "type": "free_text", "label": "X"}], "does not match"),
        ([{"name": "x", "type": "free_text"}], "'label' is a required property"),
        ([{"name": "x", "type": "ranking", "label": "X", "options": ["a", "a"]}],
         "options repeat"),
        ([{"name": "x", "type": "rating", "label": "X"}], "needs min and max"),
        ([{"name": "x", "type": "rating", "label": "X", "min": 1, "max": 2 ** 64}],
         "is greater than the maximum"),
        ([{"name": "x", "type": "free_text", "label": "X", "options": ["a", "b"]}],
         "takes no options"),
        ([{"name": "x", "type": "free_text", "label": "X"},
          {"name": "x", "type": "free_text", "label": "Y"}], "used twice"),
        ([{"name": "x", "type": "free_text", "label": "X", "colour": "red"}],
         "Additional properties"),
    ])
    def test_names_the_problem(self, spec, message):
        errors = label_spec_errors(spec)

        assert errors
        assert any(message in error for error in errors), errors


class TestLabelErrors:
    def test_accepts_a_complete_label(self):
        payload = {"ranking": ["Answer B", "Answer A", "Answer C"], "best_quality": 4,
                   "issues": ["Off topic"], "reason": "B is accurate."}

        assert label_errors(SPEC, payload) == []

    @pytest.mark.parametrize(("payload", "message"), [
        ({"best_quality": 4, "reason": "x"}, "(ranking) is required"),
        ({"ranking": ["Answer A", "Answer B"], "best_quality": 4, "reason": "x"},
         "order every response exactly once"),
        ({"ranking": ["Answer A", "Answer B", "Answer B"], "best_quality": 4, "reason": "x"},
         "order every response exactly once"),
        ({"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 9, "reason": "x"},
         "from 1 to 5"),
        ({"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": True, "reason": "x"},
         "whole number"),
        ({"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 3, "reason": "x",
          "issues": ["Spam"]}, "choose from the options"),
        ({"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 3,
          "reason": "x" * 1001}, "within 1000 characters"),
        ({"ranking": ["Answer A", "Answer B", "Answer C"], "best_quality": 3, "reason": "x",
          "extra": 1}, "Unknown field 'extra'"),
        ([], "must be an object"),
    ])
    def test_names_the_problem(self, payload, message):
        errors = label_errors(SPEC, payload)

        assert any(message in error for error in errors), errors
