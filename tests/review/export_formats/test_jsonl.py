"""JSON Lines: one object per row."""

import json

from tests.review.export_formats.rows import (
    EXPORTED_COLUMNS,
    HOSTILE,
    SPEC,
    functional_row,
    jsonl_records,
    output,
    safety_row,
)


class TestRenderJsonl:
    def test_writes_one_object_per_row_with_provenance(self):
        records = jsonl_records([functional_row(), safety_row()])

        assert [record["kind"] for record in records] == ["functional", "safety"]
        assert records[0] == {
            **functional_row(), "started_at": "2025-03-04T09:15:00+00:00",
            "submitted_at": "2025-03-04T09:15:42.500000+00:00",
            "reviewed_at": "2025-03-04T11:15:00+00:00",
        }
        assert records[1]["batch_number"] is None
        assert records[1]["label"]["spans"][1] == {"start": 23, "end": 31}
        assert records[1]["review_outcome"] == "approved by 2"

    def test_round_trips_hostile_and_non_ascii_text(self):
        label = {"reason": HOSTILE, "issues": [HOSTILE]}

        [record] = jsonl_records([functional_row(text=HOSTILE, annotator=HOSTILE, label=label)])

        assert record["text"] == HOSTILE
        assert record["annotator"] == HOSTILE
        assert record["label"] == label
        assert "日本語" in output([functional_row(text=HOSTILE)], "jsonl")

    def test_keeps_unicode_line_separators_inside_their_record(self):
        text = "first\u2028second\u2029third"

        written = output([functional_row(text=text), functional_row()], "jsonl")

        assert len(written.splitlines()) == 2
        assert json.loads(written.splitlines()[0])["text"] == text

    def test_writes_only_the_exported_columns_in_a_stable_order(self):
        row = functional_row(person_id=42, email="someone@example.com", label_spec=SPEC)

        first, second = output([row, functional_row()], "jsonl").split("\n")[:2]

        assert list(json.loads(first)) == sorted(EXPORTED_COLUMNS)
        assert first == second
