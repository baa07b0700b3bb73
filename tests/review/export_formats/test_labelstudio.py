"""Label Studio JSON: one task per row, its label as results of the right types."""


import pytest

from tests.review.export_formats.rows import (
    HOSTILE,
    SPEC,
    functional_row,
    labelstudio_tasks,
    safety_row,
)


class TestRenderLabelStudio:
    def test_writes_a_task_per_row_with_provenance(self):
        [task] = labelstudio_tasks([functional_row(label_spec=SPEC)])

        assert task["id"] == 1001
        assert task["data"] == {"text": "Which answer is best?", "external_id": "ext-1001",
                                "source": "forum-dump-2025"}
        [annotation] = task["annotations"]
        assert annotation["completed_by"] == "ann-5f2c"
        assert annotation["created_at"] == "2025-03-04T09:15:42.500000+00:00"
        assert annotation["lead_time"] == 42.5
        assert task["meta"] == {
            "kind": "functional", "task_id": 7, "task": "Answer ranking", "batch_number": 3,
            "rule_set": "Ranking rules", "rule_version": 2, "review_outcome": "accepted",
            "reviewed_at": "2025-03-04T11:15:00+00:00",
        }

    def test_maps_functional_fields_to_results_by_their_spec_type(self):
        label = {**functional_row()["label"], "quality": None}

        [task] = labelstudio_tasks([functional_row(label=label, label_spec=SPEC)])

        results = {result["from_name"]: result for result in task["annotations"][0]["result"]}
        assert set(results) == {"ranking", "topic", "issues", "reason"}
        assert results["ranking"]["type"] == "choices"
        assert results["ranking"]["value"] == {"choices": ["B", "A", "C"]}
        assert results["topic"]["value"] == {"choices": ["Law"]}
        assert results["issues"]["value"] == {"choices": ["Off topic"]}
        assert results["reason"]["type"] == "textarea"
        assert results["reason"]["value"] == {"text": ["B cites the statute."]}
        assert {result["to_name"] for result in results.values()} == {"text"}

    def test_maps_a_rating(self):
        [task] = labelstudio_tasks([functional_row(label_spec=SPEC)])

        [rating] = [r for r in task["annotations"][0]["result"] if r["from_name"] == "quality"]
        assert rating["type"] == "rating"
        assert rating["value"] == {"rating": 4}

    def test_reads_field_types_from_values_without_a_spec(self):
        [task] = labelstudio_tasks([functional_row()])

        types = {result["from_name"]: result["type"] for result in task["annotations"][0]["result"]}
        assert types == {"ranking": "choices", "quality": "rating", "topic": "textarea",
                         "issues": "choices", "reason": "textarea"}

    def test_maps_a_safety_label_to_choices_spans_and_note(self):
        [task] = labelstudio_tasks([safety_row()])

        choices, coded, uncoded, note = task["annotations"][0]["result"]
        assert choices["type"] == "choices"
        assert choices["from_name"] == "risk"
        assert choices["value"] == {"choices": ["A.2.b"]}
        assert coded["type"] == "labels"
        assert coded["value"] == {"start": 0, "end": 22, "text": "Mix bleach and ammonia",
                                  "labels": ["A.2.b"]}
        assert uncoded["value"] == {"start": 23, "end": 31, "text": "to clean", "labels": ["risk"]}
        assert note["type"] == "textarea"
        assert note["value"] == {"text": ["Toxic gas."]}
        assert task["meta"]["kind"] == "safety"
        assert task["meta"]["batch_number"] is None
        assert task["meta"]["review_outcome"] == "approved by 2"

    def test_marks_a_label_without_risk_as_no_risk(self):
        label = {"risk_codes": [], "no_risk": True, "spans": [], "note": ""}

        [task] = labelstudio_tasks([safety_row(label=label)])

        assert task["annotations"][0]["result"] == [{
            "id": "r0", "from_name": "risk", "to_name": "text", "type": "choices",
            "value": {"choices": ["no_risk"]},
        }]

    @pytest.mark.parametrize("modality", ["image", "audio", "video"])
    def test_puts_media_under_its_modality(self, modality):
        row = safety_row(modality=modality, text="", media=f"items/2025/03/{modality}.bin",
                         label={"risk_codes": ["A.1.a"], "no_risk": False, "spans": [],
                                "note": ""})

        [task] = labelstudio_tasks([row])

        assert task["data"] == {modality: f"items/2025/03/{modality}.bin",
                                "external_id": "ext-1001", "source": "forum-dump-2025"}
        assert task["annotations"][0]["result"][0]["to_name"] == modality

    def test_leaves_lead_time_empty_without_both_times(self):
        [task] = labelstudio_tasks([functional_row(started_at=None)])

        assert task["annotations"][0]["lead_time"] is None

    def test_round_trips_hostile_and_non_ascii_text(self):
        row = functional_row(text=HOSTILE, annotator=HOSTILE, label={"reason": HOSTILE})

        tasks = labelstudio_tasks([row, row])

        assert [task["data"]["text"] for task in tasks] == [HOSTILE, HOSTILE]
        assert tasks[0]["annotations"][0]["completed_by"] == HOSTILE
        assert tasks[0]["annotations"][0]["result"][0]["value"] == {"text": [HOSTILE]}
