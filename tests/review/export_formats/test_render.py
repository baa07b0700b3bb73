"""What every format shares: the formats served, formula cells neutralised, and streaming
in bounded chunks as rows are read."""

import tracemalloc
from collections.abc import Iterator

import pytest

from review.export_formats import (
    CHUNK_SIZE,
    FORMATS,
    ExportFormat,
    neutralise_cell,
    render,
)
from tests.review.export_formats.rows import (
    FORMAT_NAMES,
    FORMULA,
    CountingRows,
    functional_row,
    numbered_rows,
    output,
)


def streamed(count: int, fmt: str) -> tuple[int, int]:
    """Write ``count`` rows in ``fmt``; return the bytes written and the peak of memory held
    while writing them."""
    def rows() -> Iterator[dict]:
        for number in range(count):
            yield functional_row(item_id=number, text=f"Item {number} " + "x" * 100)

    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in render(rows(), fmt))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, peak


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
        few_bytes, few_peak = streamed(2_500, fmt)
        many_bytes, many_peak = streamed(25_000, fmt)

        assert many_bytes > 8 * 1024 * 1024
        assert many_bytes > 9 * few_bytes
        # Ten times the rows, and the memory held at the peak stays what a chunk needs: a
        # writer that kept what it wrote would hold about ten times as much.
        assert many_peak < 2 * few_peak

    @pytest.mark.parametrize(("fmt", "expected"), [
        ("jsonl", ""),
        ("csv", "kind,task_id,task_name,batch_number,item_id,external_id,source,modality,text,"
                "media,rule_set,rule_version,annotator,label,review_outcome,started_at,"
                "submitted_at,reviewed_at\r\n"),
        ("labelstudio", "[]"),
    ])
    def test_writes_a_valid_empty_document_for_zero_rows(self, fmt, expected):
        assert output(iter([]), fmt) == expected
