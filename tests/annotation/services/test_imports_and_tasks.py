import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annotation.models import Batch, ImportJob, Item
from annotation.services import (
    import_job_create,
    import_job_run,
    task_create,
    task_move_rule_version,
    task_set_state,
    task_update,
)
from annotation.services.common import TaskClosed, TaskPermissionDenied
from annotation.services.imports import ImportFormatUnknown
from annotation.services.tasks import (
    DeadlineInfeasible,
    RuleVersionKindMismatch,
    RuleVersionNotPublished,
    TaskStateRefused,
)
from audit.models import AuditEvent
from tests.annotation_setup import join, make_task

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def run(manager, task, name: str, content: bytes, fmt: str = "") -> ImportJob:
    job = import_job_create(actor=manager, task_id=task.pk,
                            upload=SimpleUploadedFile(name, content), fmt=fmt)
    return import_job_run(job_id=job.pk)


@pytest.fixture
def task(manager):
    return make_task(manager, kind="functional", name="Import target", batch_size=2)


class TestImport:
    def test_jsonl_reports_bad_rows_by_line_and_keeps_the_good_ones(self, manager, task):
        content = b"\n".join([
            json.dumps({"text": "first", "id": "a1"}).encode(),
            b"{not json",
            json.dumps({"title": "no text"}).encode(),
            "\u00e9".encode("latin-1"),
            json.dumps({"text": "x" * 100_001}).encode(),
            json.dumps({"text": "second", "source": "crawl-7"}).encode(),
            json.dumps({"text": "first"}).encode(),
        ])

        job = run(manager, task, "items.jsonl", content)

        assert job.status == "done"
        assert (job.created, job.duplicates) == (2, 1)
        assert [(e["line"], e["reason"][:12]) for e in job.errors] == [
            (2, "not JSON: Ex"), (3, "missing fiel"), (4, "not valid UT"), (5, "text longer ")]
        item = Item.objects.get(task=task, external_id="a1")
        assert item.text == "first"
        assert len(item.checksum) == 64
        assert Item.objects.get(task=task, text="second").source == "crawl-7"

    def test_csv_needs_a_text_column(self, manager, task):
        good = run(manager, task, "items.csv", b"id,text\n1,hello\n2,\n3,world\n")
        bad = run(manager, task, "other.csv", b"id,body\n1,hello\n")

        assert good.created == 2
        assert good.errors == [{"line": 3, "reason": "missing field \"text\""}]
        assert bad.created == 0
        assert "no \"text\" column" in bad.errors[0]["reason"]

    def test_plain_text_one_item_a_line(self, manager, task):
        job = run(manager, task, "lines.txt", b"one\n\ntwo\nthree\n")

        assert job.created == 3

    def test_items_are_grouped_into_batches_of_the_set_size(self, manager, task):
        run(manager, task, "lines.txt", b"a\nb\nc\nd\ne\n")

        sizes = [batch.items.count() for batch in Batch.objects.filter(task=task)
                 .order_by("number")]
        assert sizes == [2, 2, 1]
        assert set(Batch.objects.filter(task=task).values_list("state", flat=True)) == {
            "annotating"}

    def test_label_studio_export_with_text(self, manager, task):
        export = [{"id": 11, "data": {"text": "ls one"}}, {"id": 12, "data": {}},
                  {"id": 13, "data": {"image": "/data/upload/pic.png"}}]

        job = run(manager, task, "export.json", json.dumps(export).encode())

        assert job.created == 1
        assert [e["line"] for e in job.errors] == [2, 3]
        assert "not inside the upload" in job.errors[1]["reason"]

    def test_a_zip_of_media_with_a_label_studio_manifest(self, manager, task, settings,
                                                         tmp_path):
        settings.MEDIA_ROOT = tmp_path
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("export.json", json.dumps([
                {"id": 1, "data": {"image": "/data/upload/pic.png"}},
                {"id": 2, "data": {"image": "/data/upload/missing.png"}}]))
            archive.writestr("media/pic.png", PNG)

        job = run(manager, task, "bundle.zip", buffer.getvalue())

        assert job.created == 1
        item = Item.objects.get(task=task)
        assert (item.modality, item.content_type) == ("image", "image/png")
        assert item.file.read() == PNG

    def test_a_zip_of_media_files(self, manager, task, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.png", PNG)
            archive.writestr("clip.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
            archive.writestr("notes.exe", b"MZ")

        job = run(manager, task, "media.zip", buffer.getvalue())

        assert job.created == 2
        assert [error["line"] for error in job.errors] == [3]
        assert job.errors[0]["reason"].startswith("notes.exe: the content is not an image")

    def test_an_unknown_file_kind_is_refused_up_front(self, manager, task):
        with pytest.raises(ImportFormatUnknown, match="Cannot tell the format"):
            import_job_create(actor=manager, task_id=task.pk,
                              upload=SimpleUploadedFile("items.xlsx", b"x"))

        assert not ImportJob.objects.filter(task=task).exists()

    def test_a_worker_cannot_import(self, annotator, task):
        with pytest.raises(TaskPermissionDenied):
            import_job_create(actor=annotator, task_id=task.pk,
                              upload=SimpleUploadedFile("items.txt", b"x"))

        assert not ImportJob.objects.filter(task=task).exists()

    def test_a_closed_task_takes_no_items(self, manager, task):
        task_set_state(actor=manager, task_id=task.pk, state="closed")

        with pytest.raises(TaskClosed):
            import_job_create(actor=manager, task_id=task.pk,
                              upload=SimpleUploadedFile("items.txt", b"a\nb\n"))

        assert not ImportJob.objects.filter(task=task).exists()

    def test_running_a_job_twice_imports_once(self, manager, task):
        job = run(manager, task, "lines.txt", b"a\nb\n")

        again = import_job_run(job_id=job.pk)

        assert again.created == 2
        assert Item.objects.filter(task=task).count() == 2


class TestTasks:
    def test_a_task_takes_its_timings_from_the_rule_version(self, manager):
        task = make_task(manager, kind="safety", name="Timed")

        assert (task.expected_seconds_per_item, task.minimum_seconds_per_item) == (90, 15)
        assert task.required_approvals == 1
        assert AuditEvent.objects.filter(action="task.created", target_id=str(task.pk)).exists()

    def test_an_infeasible_deadline_is_refused_with_the_numbers(self, manager, annotator,
                                                                task):
        run(manager, task, "lines.txt", "\n".join(f"item {n}" for n in range(100)).encode())
        join(manager, task, annotator)
        deadline = timezone.now() + timedelta(days=1)

        with pytest.raises(DeadlineInfeasible) as error:
            task_update(actor=manager, task_id=task.pk,
                        changes={"labels_per_item": 1, "expected_seconds_per_item": 600,
                                 "deadline_at": deadline})

        message = error.value.message
        assert "100 labels still to make × 600 s need 16.7 hours" in message
        assert "1 annotator(s) × 6.00 hours a day give 6.0 hours" in message

    def test_a_feasible_deadline_is_kept(self, manager, annotator, task):
        join(manager, task, annotator)
        deadline = timezone.now() + timedelta(days=30)

        updated = task_update(actor=manager, task_id=task.pk, changes={"deadline_at": deadline})

        assert updated.deadline_at == deadline

    def test_a_closed_task_stays_closed(self, manager, task):
        task_set_state(actor=manager, task_id=task.pk, state="closed")

        with pytest.raises(TaskStateRefused, match="it cannot become active"):
            task_set_state(actor=manager, task_id=task.pk, state="active")

        task.refresh_from_db()
        assert task.state == "closed"

    def test_a_task_needs_a_published_rule_version(self, manager):
        from tests.rules.conftest import make_functional_draft

        functional_draft = make_functional_draft(manager, name="Still a draft")

        with pytest.raises(RuleVersionNotPublished, match="published rule version"):
            task_create(actor=manager, name="Draft rules", rule_version_id=functional_draft.pk)

    def test_moving_to_a_newer_version_is_audited_and_kind_checked(self, manager, task):
        from rules.services import rule_version_new_draft, rule_version_publish
        from tests.rules.conftest import make_safety_draft

        published_safety = rule_version_publish(
            actor=manager, version_id=make_safety_draft(manager, name="Other kind").pk)
        draft = rule_version_new_draft(actor=manager, source_version_id=task.rule_version_id)
        newer = rule_version_publish(actor=manager, version_id=draft.pk)

        moved = task_move_rule_version(actor=manager, task_id=task.pk, rule_version_id=newer.pk)
        with pytest.raises(RuleVersionKindMismatch, match="needs functional rules"):
            task_move_rule_version(actor=manager, task_id=task.pk,
                                   rule_version_id=published_safety.pk)

        assert moved.rule_version_id == newer.pk
        assert AuditEvent.objects.filter(action="task.rule_version_moved").exists()


class TestNewRuleVersionAnnouncement:
    def test_members_of_tasks_under_the_rule_set_are_told(self, manager, annotator,
                                                          django_capture_on_commit_callbacks,
                                                          mailoutbox):
        from rules.services import rule_version_new_draft, rule_version_publish

        task = make_task(manager, kind="functional", name="Announced")
        join(manager, task, annotator)
        annotator.email = "ann@example.com"
        annotator.save(update_fields=["email"])
        draft = rule_version_new_draft(actor=manager, source_version_id=task.rule_version_id)

        with django_capture_on_commit_callbacks(execute=True):
            rule_version_publish(actor=manager, version_id=draft.pk)

        assert [message.to for message in mailoutbox] == [["ann@example.com"]]
        assert "v2" in mailoutbox[0].subject


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestImportCommand:
    def test_imports_with_progress_and_lists_bad_rows(self, tmp_path, capsys):
        from django.core.management import call_command

        from annotators.models import Role
        from tests.conftest import make_person

        manager = make_person("mgr.cmd", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Command target")
        path = tmp_path / "items.jsonl"
        path.write_text('{"text": "one"}\n{"nope": 1}\n{"text": "two"}\n')

        call_command("import_items", str(task.pk), str(path), "--as", "mgr.cmd")

        out = capsys.readouterr().out
        assert "line 2: missing field" in out
        assert "2 item(s) imported" in out
        assert Item.objects.filter(task=task).count() == 2


class TestAuditOfTaskChanges:
    """Invariant 7: memberships, batches and tasks each leave an audit event."""

    def test_membership_changes_are_audited(self, manager, annotator, task):
        from annotation.services import membership_remove

        membership = join(manager, task, annotator)
        membership_remove(actor=manager, membership_id=membership.pk)

        actions = list(AuditEvent.objects.filter(target_type="annotation.membership",
                                                 target_id=str(membership.pk))
                       .values_list("action", "actor_id"))
        assert actions == [("membership.added", manager.pk), ("membership.removed", manager.pk)]

    def test_batches_opened_by_activation_and_created_by_import_are_audited(self, manager):
        from rules.services import rule_version_publish
        from tests.rules.conftest import make_functional_draft

        version = rule_version_publish(actor=manager,
                                       version_id=make_functional_draft(manager, name="Aud").pk)
        draft_task = task_create(actor=manager, name="Audited", rule_version_id=version.pk,
                                 batch_size=2)
        job = run(manager, draft_task, "lines.txt", b"a\nb\nc\n")
        task_set_state(actor=manager, task_id=draft_task.pk, state="active")

        imported = AuditEvent.objects.get(action="import.done", target_id=str(job.pk))
        opened = AuditEvent.objects.get(action="batch.annotating", target_id=str(draft_task.pk))
        assert imported.data["batches_created"] == [1, 2]
        assert imported.data["batch_state"] == "open"
        assert opened.data == {"batches": [1, 2], "from": "open"}
