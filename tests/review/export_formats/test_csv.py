"""CSV: a header, then one row per record, no cell that starts a formula."""

import json

from tests.review.export_formats.rows import (
    EXPORTED_COLUMNS,
    FORMULA,
    HOSTILE,
    csv_cells,
    csv_records,
    functional_row,
    safety_row,
)


class TestRenderCsv:
    def test_writes_a_header_then_one_row_per_record(self):
        header, *records = csv_cells([functional_row(), safety_row()])

        assert header == EXPORTED_COLUMNS
        assert len(records) == 2

    def test_carries_provenance_and_encodes_nested_values_as_json(self):
        functional, safety = csv_records([functional_row(), safety_row()])

        assert functional["task_id"] == "7"
        assert functional["task_name"] == "Answer ranking"
        assert functional["rule_version"] == "2"
        assert functional["annotator"] == "ann-5f2c"
        assert functional["review_outcome"] == "accepted"
        assert functional["submitted_at"] == "2025-03-04T09:15:42.500000+00:00"
        assert json.loads(functional["label"]) == functional_row()["label"]
        assert safety["batch_number"] == ""
        assert json.loads(safety["label"]) == safety_row()["label"]
        assert '"no_risk":false' in safety["label"]

    def test_neutralises_a_formula_in_any_cell(self):
        row = functional_row(text=FORMULA, annotator=FORMULA, external_id="+1", source="-1",
                             task_name="@SUM(A1)", media="\tx", review_outcome="\rx",
                             label={"reason": FORMULA, "issues": [FORMULA]})

        [record] = csv_records([row])

        assert record["text"] == "'" + FORMULA
        assert record["annotator"] == "'" + FORMULA
        assert record["external_id"] == "'+1"
        assert record["source"] == "'-1"
        assert record["task_name"] == "'@SUM(A1)"
        assert record["media"] == "'\tx"
        assert record["review_outcome"] == "'\rx"
        assert json.loads(record["label"]) == {"reason": FORMULA, "issues": [FORMULA]}

    def test_never_yields_a_cell_that_starts_a_formula(self):
        text_columns = ("text", "annotator", "source", "label", "task_name", "review_outcome",
                        "media", "external_id", "rule_set", "modality", "kind")
        rows = [functional_row(**dict.fromkeys(text_columns, formula))
                for formula in [FORMULA, "+1", "-1", "@x", "\t=1", "\r=1"]]
        rows.append(functional_row(label=[FORMULA], item_id=-5, rule_version=-1))

        cells = [cell for record in csv_cells(rows) for cell in record]

        assert len(cells) == len(EXPORTED_COLUMNS) * (len(rows) + 1)
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]

    def test_round_trips_hostile_and_non_ascii_text(self):
        label = {"reason": HOSTILE}

        [record] = csv_records([functional_row(text=HOSTILE, source=HOSTILE, label=label)])

        assert record["text"] == HOSTILE
        assert record["source"] == HOSTILE
        assert json.loads(record["label"]) == label
