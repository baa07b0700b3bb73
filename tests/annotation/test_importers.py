"""Bounded imports: every limit of an upload holds, and a file that breaks one is told which
limit and which line, never a crash."""

import io
import json
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.importers import Limits, parse_csv, parse_jsonl, parse_txt, parse_zip
from annotation.models import ImportJob, Item
from annotation.services import import_job_create, import_job_run

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
SMALL = Limits(upload_bytes=10_000_000, unpacked_bytes=1_000_000, entries=20, ratio=50,
               line_bytes=2048, json_depth=5, item_chars=500, media_bytes=100_000)


def zipped(entries: dict[str, bytes], *, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def reasons(parsed) -> list[str]:
    return [f"{error['line']}: {error['reason']}" for error in parsed.errors]


class TestLines:
    def test_a_line_too_long_is_refused_with_its_number_and_the_limit(self):
        data = b'{"text": "fine"}\n{"text": "' + b"x" * 3000 + b'"}\n'

        parsed = parse_jsonl(data, "upload", SMALL)

        assert [row.line for row in parsed.rows] == [1]
        assert reasons(parsed) == ["2: line longer than 2 KB (IMPORT_MAX_LINE_KB)"]

    def test_deep_nesting_is_refused_without_a_crash(self):
        deep = json.dumps({"text": "nested", "meta": [[[[[[["deep"]]]]]]]})
        very_deep = '{"text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}"

        parsed = parse_jsonl(f"{deep}\n{very_deep}\n".encode(), "upload",
                             Limits(**{**SMALL.__dict__, "line_bytes": 1_000_000}))

        assert reasons(parsed) == ["1: nested deeper than 5 levels (IMPORT_MAX_JSON_DEPTH)",
                                   "2: nested deeper than 5 levels (IMPORT_MAX_JSON_DEPTH)"]

    def test_nul_bytes_are_refused_in_every_text_format(self):
        assert reasons(parse_txt(b"good\nba\x00d\n", "u", SMALL)) == [
            "2: the line holds a NUL byte"]
        assert reasons(parse_jsonl(b'{"text": "a\\u0000b"}\n', "u", SMALL)) == [
            "1: the text holds a NUL character"]
        assert reasons(parse_csv(b"text\nfine\nba\x00d\n", "u", SMALL)) == [
            "3: the line holds a NUL byte"]

    def test_an_item_longer_than_the_limit_is_refused(self):
        parsed = parse_txt(b"y" * 600, "u", SMALL)

        assert reasons(parsed) == ["1: text longer than 500 characters (IMPORT_MAX_ITEM_CHARS)"]

    def test_a_csv_field_past_the_limit_is_refused_not_a_crash(self):
        data = b'text\n"' + b"z" * 5000 + b'"\n'

        parsed = parse_csv(data, "u", SMALL)

        assert parsed.rows == []
        assert "IMPORT_MAX_LINE_KB" in reasons(parsed)[0]

    def test_the_export_s_external_id_is_kept(self):
        parsed = parse_jsonl(b'{"text": "a", "external_id": "src-1"}\n{"text": "b", "id": 7}\n',
                             "u", SMALL)

        assert [row.external_id for row in parsed.rows] == ["src-1", "7"]


class TestZips:
    def test_a_small_zip_that_unpacks_past_the_limit_is_refused(self):
        bomb = zipped({f"pic{n}.png": b"\0" * 600_000 for n in range(3)})
        assert len(bomb) < 10_000

        parsed = parse_zip(bomb, "u", Limits(**{**SMALL.__dict__, "ratio": 10_000_000,
                                                "media_bytes": 10_000_000}))

        assert reasons(parsed) == ["1: the zip unpacks to more than 0 MB "
                                   "(IMPORT_MAX_UNPACKED_MB)"]

    def test_too_many_entries_are_refused(self):
        parsed = parse_zip(zipped({f"p{n}.png": PNG for n in range(21)}), "u", SMALL)

        assert reasons(parsed) == ["1: the zip holds 21 files, more than 20 "
                                   "(IMPORT_MAX_ENTRIES)"]

    def test_a_compression_ratio_past_the_limit_is_refused(self):
        parsed = parse_zip(zipped({"flat.png": PNG + b"\0" * 90_000}), "u", SMALL)

        assert reasons(parsed) == ["1: flat.png: compressed more than 50 to 1 "
                                   "(IMPORT_MAX_COMPRESSION_RATIO)"]

    def test_an_entry_larger_than_its_header_says_is_refused(self):
        honest = bytearray(zipped({"pic.png": PNG + b"pad" * 100}, method=zipfile.ZIP_STORED))
        real_size = len(PNG) + 300
        # Lower the uncompressed size in both headers; the bytes stay as they are.
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = honest.index(signature) + offset
            assert struct.unpack("<I", honest[at:at + 4])[0] == real_size
            honest[at:at + 4] = struct.pack("<I", 10)

        parsed = parse_zip(bytes(honest), "u", SMALL)

        assert parsed.rows == []
        assert len(parsed.errors) == 1
        assert parsed.errors[0]["line"] == 1

    def test_a_media_file_s_type_comes_from_its_content(self):
        parsed = parse_zip(zipped({"photo.jpg": PNG, "notes.png": b"just text, really",
                                   "page.mp4": b"<html><script>alert(1)</script>"}), "u", SMALL)

        assert [(row.media_name, row.content_type) for row in parsed.rows] == [
            ("photo.jpg", "image/png")]
        assert [error["line"] for error in parsed.errors] == [2, 3]
        assert "the content is not an image" in parsed.errors[0]["reason"]

    def test_garbage_is_not_a_zip(self):
        assert reasons(parse_zip(b"PK\x03\x04 not really", "u", SMALL)) == [
            "1: not a zip file"]


@pytest.mark.django_db(databases=["default", "safety"])
class TestImportJobs:
    def test_a_file_breaking_a_limit_ends_with_the_reason_and_lands_nothing(
            self, manager, functional_task, settings):
        settings.IMPORT_MAX_ENTRIES = 2
        upload = SimpleUploadedFile("media.zip", zipped({f"p{n}.png": PNG for n in range(3)}))
        before = Item.objects.filter(task=functional_task).count()

        job = import_job_run(job_id=import_job_create(actor=manager, task_id=functional_task.pk,
                                                      upload=upload).pk)

        assert job.status == ImportJob.Status.DONE
        assert job.errors == [{"line": 1, "reason": "the zip holds 3 files, more than 2 "
                                                    "(IMPORT_MAX_ENTRIES)"}]
        assert Item.objects.filter(task=functional_task).count() == before

    def test_an_upload_past_the_size_limit_is_refused_at_once(self, manager, functional_task,
                                                             settings, client):
        settings.IMPORT_MAX_UPLOAD_MB = 1
        client.force_login(manager)

        response = client.post(f"/api/v1/tasks/{functional_task.pk}/imports/",
                               {"file": SimpleUploadedFile("big.txt", b"x\n" * 600_000)})

        assert response.status_code == 400
        assert "larger than 1 MB" in response.json()["message"]
        assert not ImportJob.objects.filter(task=functional_task,
                                            file_name="big.txt").exists()
