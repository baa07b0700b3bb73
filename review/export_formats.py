"""Streaming writers for exported training data: JSON Lines, CSV and Label Studio JSON.

An exported row is a plain dict with the keys of ``COLUMNS``: one submitted label with the
item it labels and its provenance. ``kind`` is ``"functional"`` or ``"safety"``; ``label`` is
the functional payload (field name to value) or, for safety, ``{"risk_codes": [...],
"no_risk": bool, "spans": [{"start", "end", "code"?}], "note": str}``. Only these keys are
written, so a row that carries more (ids of people, internal state) leaks none of it. A row
may also carry ``label_spec``, the label specification of its rule version (see
``rules.label_spec``); it is never written, but tells the Label Studio writer each functional
field's type, which the value alone cannot always show.

``render`` turns rows into UTF-8 chunks of at most ``CHUNK_SIZE`` bytes. It reads one row at a
time and keeps less than one chunk in memory, so an export of any size streams to a
``StreamingHttpResponse`` or to a file in a background job at constant memory.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

CHUNK_SIZE = 64 * 1024

COLUMNS = (
    "kind", "task_id", "task_name", "batch_number", "item_id", "external_id", "source",
    "modality", "text", "media", "rule_set", "rule_version", "annotator", "label",
    "review_outcome", "started_at", "submitted_at", "reviewed_at",
)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ExportFormat:
    """How a format is served: its name, its HTTP content type and its file extension."""

    name: str
    content_type: str
    extension: str


FORMATS: dict[str, ExportFormat] = {
    "jsonl": ExportFormat("jsonl", "application/x-ndjson", "jsonl"),
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv"),
    "labelstudio": ExportFormat("labelstudio", "application/json", "json"),
}


def render(rows: Iterable[Row], fmt: str) -> Iterator[bytes]:
    """Write rows in the format named ``fmt``, as UTF-8 chunks of at most ``CHUNK_SIZE`` bytes.

    The rows are read lazily, one at a time, as the chunks are consumed; joined, the chunks are
    the whole document. Zero rows give a valid document: nothing for JSON Lines, the header
    for CSV, ``[]`` for Label Studio.

    :raises ValueError: if ``fmt`` is not a key of ``FORMATS``; raised at the call, before any
        row is read.
    """
    writers: dict[str, Callable[[Iterable[Row]], Iterator[str]]] = {
        "jsonl": _jsonl_pieces,
        "csv": _csv_pieces,
        "labelstudio": _labelstudio_pieces,
    }
    if fmt not in writers:
        valid = ", ".join(sorted(FORMATS))
        raise ValueError(f"Unknown export format {fmt!r}; choose one of: {valid}.")
    return _chunks(writers[fmt](rows))


def neutralise_cell(value: str) -> str:
    """Prefix a single quote to text that a spreadsheet would read as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is evaluated
    by Excel, LibreOffice and Google Sheets when the file is opened (OWASP's CSV injection);
    the quote makes it plain text. Other text is returned unchanged.
    """
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece.encode("utf-8")
        while len(buffer) >= CHUNK_SIZE:
            yield bytes(buffer[:CHUNK_SIZE])
            del buffer[:CHUNK_SIZE]
    if buffer:
        yield bytes(buffer)


def _json_default(value: Any) -> str:
    raise TypeError(f"Cannot export a value of type {type(value).__name__}: {value!r}")


def _dumps(value: Any, *, sort_keys: bool) -> str:
    # orjson writes dates and aware datetimes as ISO 8601, like ``isoformat()``.
    text = orjson.dumps(value, default=_json_default,
                        option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
    # Valid JSON, but line breaks to JavaScript and to str.splitlines(), which would cut a
    # JSON Lines record in two; inside JSON they only occur in strings, so escaping is safe.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _jsonl_pieces(rows: Iterable[Row]) -> Iterator[str]:
    for row in rows:
        yield _dumps({column: row.get(column) for column in COLUMNS}, sort_keys=True) + "\n"


def _csv_cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, dict | list | tuple):
        text = _dumps(value, sort_keys=True)
    else:
        text = str(value)
    return neutralise_cell(text)


def _csv_pieces(rows: Iterable[Row]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drain() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([neutralise_cell(column) for column in COLUMNS])
    yield drain()
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in COLUMNS])
        yield drain()


def _labelstudio_pieces(rows: Iterable[Row]) -> Iterator[str]:
    yield "["
    separator = ""
    for row in rows:
        yield separator + _dumps(_labelstudio_task(row), sort_keys=False)
        separator = ",\n"
    yield "]"


def _labelstudio_task(row: Row) -> dict[str, Any]:
    """Return one row as a Label Studio task holding one annotation, the label.

    ``data`` holds the text (key ``text``) or the media path (key ``image``, ``audio`` or
    ``video``, by modality) with the item's external id and source; each result's ``to_name``
    is that key, so a labeling config whose object tags are named after them imports it.
    Rows of one item are not merged: an item labelled by three annotators is three tasks with
    the same ``id``.
    """
    modality = row.get("modality") or "text"
    text = row.get("text") or ""
    data: dict[str, Any] = {}
    if modality == "text" or text:
        data["text"] = text
    if modality != "text":
        data[modality] = row.get("media") or ""
    data["external_id"] = row.get("external_id")
    data["source"] = row.get("source")

    label = row.get("label") or {}
    if row.get("kind") == "safety":
        result = _safety_results(label, text=text, to_name=modality)
    else:
        field_types = {field.get("name"): field.get("type")
                       for field in row.get("label_spec") or [] if isinstance(field, Mapping)}
        result = _functional_results(label, field_types=field_types, to_name=modality)

    started_at, submitted_at = row.get("started_at"), row.get("submitted_at")
    lead_time = None
    if isinstance(started_at, datetime) and isinstance(submitted_at, datetime):
        lead_time = round((submitted_at - started_at).total_seconds(), 3)

    return {
        "id": row.get("item_id"),
        "data": data,
        "annotations": [{
            "result": result,
            "completed_by": row.get("annotator"),
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": submitted_at,
            "updated_at": submitted_at,
            "lead_time": lead_time,
        }],
        "meta": {
            "kind": row.get("kind"),
            "task_id": row.get("task_id"),
            "task": row.get("task_name"),
            "batch_number": row.get("batch_number"),
            "rule_set": row.get("rule_set"),
            "rule_version": row.get("rule_version"),
            "review_outcome": row.get("review_outcome"),
            "reviewed_at": row.get("reviewed_at"),
        },
    }


def _result(index: int, *, from_name: str, to_name: str, kind: str,
            value: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"r{index}", "from_name": from_name, "to_name": to_name, "type": kind,
            "value": value}


def _functional_results(label: Mapping[str, Any], *, field_types: Mapping[str, str],
                        to_name: str) -> list[dict[str, Any]]:
    """Map each answered field to a Label Studio result by its type in the label spec.

    Choices and rankings become ``choices`` (a ranking keeps its order, best first), a rating
    ``rating``, free text ``textarea``. Without a spec the type is read from the value: a
    whole number is a rating, a list choices, anything else text.
    """
    results = []
    for name, value in label.items():
        if value is None or value in ("", []):
            continue
        field_type = field_types.get(name)
        if field_type is None:
            if isinstance(value, int) and not isinstance(value, bool):
                field_type = "rating"
            elif isinstance(value, list):
                field_type = "multiple_choice"
            else:
                field_type = "free_text"
        index = len(results)
        if field_type in {"single_choice", "multiple_choice", "ranking"}:
            choices = value if isinstance(value, list) else [value]
            results.append(_result(index, from_name=name, to_name=to_name, kind="choices",
                                   value={"choices": choices}))
        elif field_type == "rating":
            results.append(_result(index, from_name=name, to_name=to_name, kind="rating",
                                   value={"rating": value}))
        else:
            text = value if isinstance(value, str) else _dumps(value, sort_keys=True)
            results.append(_result(index, from_name=name, to_name=to_name, kind="textarea",
                                   value={"text": [text]}))
    return results


def _safety_results(label: Mapping[str, Any], *, text: str,
                    to_name: str) -> list[dict[str, Any]]:
    """Map a safety label to Label Studio results.

    The risk codes, or ``no_risk``, are one ``choices`` result named ``risk``; each span a
    ``labels`` result named ``risk_span`` on the text, labelled with its code or, when the
    span names none, ``risk``; the note a ``textarea`` named ``note``.
    """
    results = []
    choices = list(label.get("risk_codes") or [])
    if not choices and label.get("no_risk"):
        choices = ["no_risk"]
    if choices:
        results.append(_result(0, from_name="risk", to_name=to_name, kind="choices",
                               value={"choices": choices}))
    for span in label.get("spans") or []:
        start, end = span.get("start"), span.get("end")
        if not (isinstance(start, int) and isinstance(end, int)):
            continue
        results.append(_result(len(results), from_name="risk_span", to_name="text",
                               kind="labels",
                               value={"start": start, "end": end, "text": text[start:end],
                                      "labels": [span.get("code") or "risk"]}))
    if label.get("note"):
        results.append(_result(len(results), from_name="note", to_name=to_name,
                               kind="textarea", value={"text": [label["note"]]}))
    return results
