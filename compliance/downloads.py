"""The report to take away: a ZIP of CSV files, one per evidence list and one of the figures,
with a manifest of their hashes; and a PDF rendered from the page's own template."""

import csv
import hashlib
import io
import json
import zipfile

from django.template.loader import render_to_string

from review.export_formats import neutralise_cell

# Debian's Noto CJK fonts show the risk categories' Chinese names; a missing font shows boxes.
PDF_UNAVAILABLE = ("The PDF needs WeasyPrint's system libraries (Debian: libpango-1.0-0, and "
                   "fonts-noto-cjk for the Chinese names). Download the CSV files instead.")


class PdfUnavailable(Exception):
    """The machine lacks what rendering a PDF needs."""


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_cell("" if value is None else str(value)) for value in row])
    return out.getvalue().encode("utf-8")


def report_zip(content: dict, *, report_hash: str = "") -> bytes:
    """The report as CSV files in a ZIP: figures.csv, one file per evidence list, and
    manifest.json naming each file's SHA-256 (and, for a frozen report, its hash)."""
    files: dict[str, bytes] = {}
    figures = []
    for section in content["sections"]:
        for figure in section["figures"]:
            figures.append([section["clause"], section["status"], figure["key"],
                            figure["label"], figure["value"], figure["must"], figure["link"]])
        for name, rows in section["evidence"].items():
            columns = sorted({key for row in rows for key in row})
            files[f"{section['clause']}-{name}.csv"] = _csv(
                columns, [[json.dumps(row.get(key)) if isinstance(row.get(key), list | dict)
                           else row.get(key) for key in columns] for row in rows])
    files["figures.csv"] = _csv(["clause", "status", "key", "figure", "value", "must be",
                                 "link"], figures)
    manifest = {"scope": content["scope"], "generated_at": content["generated_at"],
                "status": content["status"], "audit_head": content["audit_head"],
                "report_hash": report_hash,
                "files": {name: hashlib.sha256(data).hexdigest()
                          for name, data in sorted(files.items())}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def report_pdf(context: dict) -> bytes:
    """The report page, printed.

    :raises PdfUnavailable: where WeasyPrint cannot load its libraries.
    """
    try:
        from weasyprint import HTML
    except OSError as error:    # a missing system library (Pango) surfaces as OSError
        raise PdfUnavailable(PDF_UNAVAILABLE) from error
    html = render_to_string("compliance/report_pdf.html", context)
    return HTML(string=html).write_pdf()
