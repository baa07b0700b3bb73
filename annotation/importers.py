"""Reading uploaded items: JSONL, CSV, plain text, Label Studio's JSON export, and zips of
media. Every row is checked and every limit holds: a file that breaks one gets an error
naming the limit and the line, never a crash and never a disk filled by a small zip.

Pure parsing: nothing here touches the database.
"""

import csv
import io
import json
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings

MB = 1024 * 1024
FORMATS = ("jsonl", "csv", "txt", "labelstudio", "zip")
MEDIA_TYPES = {"image": {"image/png", "image/jpeg", "image/gif", "image/webp"},
               "audio": {"audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/mp4"},
               "video": {"video/mp4", "video/webm", "video/ogg"}}
ALLOWED_MEDIA = set().union(*MEDIA_TYPES.values())
READ_CHUNK = 1 * MB


@dataclass(frozen=True)
class Limits:
    """What one import may hold (settings IMPORT_*, read when an import runs)."""

    upload_bytes: int
    unpacked_bytes: int
    entries: int
    ratio: int
    line_bytes: int
    json_depth: int
    item_chars: int
    media_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(upload_bytes=settings.IMPORT_MAX_UPLOAD_MB * MB,
                   unpacked_bytes=settings.IMPORT_MAX_UNPACKED_MB * MB,
                   entries=settings.IMPORT_MAX_ENTRIES,
                   ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
                   line_bytes=settings.IMPORT_MAX_LINE_KB * 1024,
                   json_depth=settings.IMPORT_MAX_JSON_DEPTH,
                   item_chars=settings.IMPORT_MAX_ITEM_CHARS,
                   media_bytes=settings.IMPORT_MAX_MEDIA_MB * MB)


@dataclass
class Row:
    line: int
    text: str = ""
    external_id: str = ""
    source: str = ""
    media_name: str = ""
    media: bytes = b""
    content_type: str = ""


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, line: int, reason: str) -> None:
        self.errors.append({"line": line, "reason": reason})


class FormatUnknown(ValueError):
    """The upload's name says no format the importer reads."""


def detect_format(name: str) -> str:
    """:raises FormatUnknown: for a name ending in none of the formats' suffixes."""
    lower = name.lower()
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"),
                        (".txt", "txt"), (".json", "labelstudio"), (".zip", "zip")):
        if lower.endswith(suffix):
            return fmt
    raise FormatUnknown(f"Cannot tell the format of {name!r}: use .jsonl, .csv, .txt, .json "
                        "(Label Studio export) or .zip (media).")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value``, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1)
                         for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _load_json(text: str, parsed: Parsed, line: int, limits: Limits) -> Any:
    """The JSON value of ``text``, or None after recording why not."""
    # A cheap count first: only text with that many brackets can nest that deep.
    brackets = text.count("[") + text.count("{")
    try:
        value = json.loads(text)
    except RecursionError:
        parsed.error(line, f"nested deeper than {limits.json_depth} levels "
                           "(IMPORT_MAX_JSON_DEPTH)")
        return None
    except json.JSONDecodeError as error:
        parsed.error(line if line else error.lineno, f"not JSON: {error.msg}")
        return None
    if brackets > limits.json_depth and _depth(value) > limits.json_depth:
        parsed.error(line, f"nested deeper than {limits.json_depth} levels "
                           "(IMPORT_MAX_JSON_DEPTH)")
        return None
    return value


def _text_row(parsed: Parsed, line: int, record: Any, limits: Limits, *,
              default_source: str) -> None:
    if not isinstance(record, dict):
        parsed.error(line, "expected an object with a \"text\" field")
        return
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        parsed.error(line, "missing field \"text\"")
        return
    if len(text) > limits.item_chars:
        parsed.error(line, f"text longer than {limits.item_chars} characters "
                           "(IMPORT_MAX_ITEM_CHARS)")
        return
    if "\x00" in text:
        parsed.error(line, "the text holds a NUL character")
        return
    # The export names an item's id "external_id"; other tools say "id".
    external_id = record.get("external_id", record.get("id", ""))
    parsed.rows.append(Row(line=line, text=text, external_id=str(external_id or "")[:200],
                           source=str(record.get("source") or default_source)[:300]))


def _lines(data: bytes, parsed: Parsed, limits: Limits):
    """Each line's number and text, without those too long, holding NUL bytes or not UTF-8
    (each recorded as refused)."""
    for line, raw in enumerate(data.splitlines(), start=1):
        if len(raw) > limits.line_bytes:
            parsed.error(line, f"line longer than {limits.line_bytes // 1024} KB "
                               "(IMPORT_MAX_LINE_KB)")
            continue
        if b"\x00" in raw:
            parsed.error(line, "the line holds a NUL byte")
            continue
        try:
            yield line, raw.decode("utf-8")
        except UnicodeDecodeError:
            parsed.error(line, "not valid UTF-8")


def parse_jsonl(data: bytes, source: str, limits: Limits) -> Parsed:
    parsed = Parsed()
    for line, text in _lines(data, parsed, limits):
        if not text.strip():
            continue
        record = _load_json(text, parsed, line, limits)
        if record is not None:
            _text_row(parsed, line, record, limits, default_source=source)
    return parsed


def parse_txt(data: bytes, source: str, limits: Limits) -> Parsed:
    parsed = Parsed()
    for line, text in _lines(data, parsed, limits):
        if text.strip():
            _text_row(parsed, line, {"text": text}, limits, default_source=source)
    return parsed


def parse_csv(data: bytes, source: str, limits: Limits) -> Parsed:
    parsed = Parsed()
    if b"\x00" in data:
        parsed.error(data[:data.index(b"\x00")].count(b"\n") + 1, "the line holds a NUL byte")
        return parsed
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Report the line of the first bad byte; a CSV cannot be read past it reliably.
        parsed.error(data[:error.start].count(b"\n") + 1, "not valid UTF-8")
        return parsed
    csv.field_size_limit(max(limits.item_chars, limits.line_bytes))
    reader = csv.DictReader(io.StringIO(text))
    try:
        if not reader.fieldnames or "text" not in reader.fieldnames:
            parsed.error(1, "the header has no \"text\" column")
            return parsed
        for record in reader:
            _text_row(parsed, reader.line_num, record, limits, default_source=source)
    except csv.Error as error:
        parsed.error(reader.line_num, f"a field longer than {limits.line_bytes // 1024} KB "
                                      f"(IMPORT_MAX_LINE_KB), or broken quoting: {error}")
    return parsed


def _media_row(parsed: Parsed, line: int, name: str, content: bytes, limits: Limits, *,
               source: str, external_id: str = "") -> None:
    if len(content) > limits.media_bytes:
        parsed.error(line, f"{name}: larger than {limits.media_bytes // MB} MB "
                           "(IMPORT_MAX_MEDIA_MB)")
        return
    # The content says what a file is; its name may say anything.
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED_MEDIA:
        parsed.error(line, f"{name}: the content is not an image, audio or video file of a "
                           "kind the labelling page shows (PNG, JPEG, GIF, WebP, MP3, WAV, "
                           "OGG, MP4, WebM)")
        return
    parsed.rows.append(Row(line=line, media_name=name, media=content, source=source,
                           external_id=external_id or name, content_type=kind.mime))


def parse_labelstudio(data: bytes, source: str, limits: Limits,
                      files: dict[str, bytes] | None = None) -> Parsed:
    parsed = Parsed()
    if b"\x00" in data:
        parsed.error(1, "the file holds a NUL byte")
        return parsed
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.error(1, "not valid UTF-8")
        return parsed
    tasks = _load_json(text, parsed, 0, limits)
    if tasks is None:
        return parsed
    if not isinstance(tasks, list):
        parsed.error(1, "a Label Studio export is a list of tasks")
        return parsed
    for number, task in enumerate(tasks, start=1):
        data_field = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data_field, dict):
            parsed.error(number, "task has no \"data\" object")
            continue
        external_id = str(task.get("id", ""))
        if isinstance(data_field.get("text"), str):
            _text_row(parsed, number, {"text": data_field["text"], "id": external_id}, limits,
                      default_source=source)
            continue
        url = next((data_field[k] for k in ("image", "audio", "video") if k in data_field), None)
        if not isinstance(url, str):
            parsed.error(number, "task has neither data.text nor a media URL")
            continue
        name = posixpath.basename(url.split("?")[0])
        if files is None or name not in files:
            parsed.error(number, f"media {name!r} is not inside the upload")
            continue
        _media_row(parsed, number, name, files[name], limits, source=source,
                   external_id=external_id)
    return parsed


class _TooMuch(Exception):
    pass


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int],
                limits: Limits) -> bytes:
    """An entry's bytes, read no further than its header claims or the budget left allows.

    :raises _TooMuch: naming the limit the entry breaks.
    """
    if info.compress_size and info.file_size / info.compress_size > limits.ratio:
        raise _TooMuch(f"{info.filename}: compressed more than {limits.ratio} to 1 "
                       "(IMPORT_MAX_COMPRESSION_RATIO)")
    pieces, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(READ_CHUNK):
            size += len(chunk)
            if size > info.file_size:
                raise _TooMuch(f"{info.filename}: larger than its header says")
            if size > budget[0]:
                raise _TooMuch(f"the zip unpacks to more than {limits.unpacked_bytes // MB} MB "
                               "(IMPORT_MAX_UNPACKED_MB)")
            pieces.append(chunk)
    budget[0] -= size
    return b"".join(pieces)


def parse_zip(data: bytes, source: str, limits: Limits) -> Parsed:
    parsed = Parsed()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        parsed.error(1, "not a zip file")
        return parsed
    entries = [info for info in infos if not info.is_dir()
               and not posixpath.basename(info.filename).startswith(".")]
    if len(entries) > limits.entries:
        parsed.error(1, f"the zip holds {len(entries)} files, more than {limits.entries} "
                        "(IMPORT_MAX_ENTRIES)")
        return parsed
    if sum(info.file_size for info in entries) > limits.unpacked_bytes:
        parsed.error(1, f"the zip unpacks to more than {limits.unpacked_bytes // MB} MB "
                        "(IMPORT_MAX_UNPACKED_MB)")
        return parsed
    budget = [limits.unpacked_bytes]
    manifest = next((info for info in entries if info.filename.lower().endswith(".json")), None)
    try:
        if manifest is not None:
            contents = {posixpath.basename(info.filename): _read_entry(archive, info, budget,
                                                                       limits)
                        for info in entries
                        if info is not manifest and info.file_size <= limits.media_bytes}
            return parse_labelstudio(_read_entry(archive, manifest, budget, limits), source,
                                     limits, contents)
        for number, info in enumerate(entries, start=1):
            if info.file_size > limits.media_bytes:
                parsed.error(number, f"{info.filename}: larger than "
                                     f"{limits.media_bytes // MB} MB (IMPORT_MAX_MEDIA_MB)")
                continue
            _media_row(parsed, number, posixpath.basename(info.filename),
                       _read_entry(archive, info, budget, limits), limits, source=source)
    except _TooMuch as refused:
        return Parsed(errors=[{"line": 1, "reason": str(refused)}])
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError) as error:
        return Parsed(errors=[{"line": 1, "reason": f"the zip is damaged: {error}"}])
    return parsed


PARSERS = {"jsonl": parse_jsonl, "csv": parse_csv, "txt": parse_txt,
           "labelstudio": parse_labelstudio, "zip": parse_zip}
