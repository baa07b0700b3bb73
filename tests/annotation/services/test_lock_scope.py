"""Row locks take only the rows they mean: a held task row stalls neither a skip, a lapse
nor a verdict, and an import writes its media before it locks the task."""

import io
import threading
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction

from annotation.models import Item, Lease
from annotation.services import import_job_create, import_job_run, lease_next, lease_skip
from annotation.services.leases import lease_lapse
from annotation.services.locks import task_qs_select_for_update
from annotators.models import Role
from review.services import sample_check_next, sample_check_record
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.review_setup import review_task

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


class TaskLockHeld:
    """Hold a task's row lock, as the task's own changes and imports take it, in another
    connection until the block ends."""

    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        self.locked, self.release = threading.Event(), threading.Event()

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                task_qs_select_for_update().get(pk=self.task_id)
                self.locked.set()
                self.release.wait(timeout=30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.locked.wait(timeout=10)
        with connection.cursor() as cursor:
            # A wait for the task's row fails fast instead of hanging the test.
            cursor.execute("SET lock_timeout = '2s'")
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestATaskLockHeldElsewhere:
    def test_does_not_stall_a_skip(self):
        manager = make_person("mgr.lockskip", Role.MANAGER)
        task = make_task(manager, kind="functional", name="Lock skip", items=3)
        worker = make_person("ann.lockskip", Role.ANNOTATOR)
        join(manager, task, worker)
        lease = lease_next(user=worker, task_id=task.pk)

        with TaskLockHeld(task.pk):
            lease_skip(user=worker, lease_id=lease.pk, reason="Unreadable")

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.SKIPPED

    def test_does_not_stall_a_lapse(self):
        manager = make_person("mgr.locklapse", Role.MANAGER)
        task = make_task(manager, kind="safety", name="Lock lapse", items=2)
        worker = make_person("ann.locklapse", Role.ANNOTATOR)
        join(manager, task, worker)
        lease = lease_next(user=worker, task_id=task.pk)

        with TaskLockHeld(task.pk):
            state = lease_lapse(lease_id=lease.pk)

        assert state == Lease.State.EXPIRED
        assert Item.objects.get(pk=lease.item_id).open_slots == 1

    def test_does_not_stall_a_verdict(self):
        manager = make_person("mgr.lockverdict", Role.MANAGER)
        task, _, reviewer = review_task(manager, name="Lock verdict", items=3, batch_size=3)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)

        with TaskLockHeld(task.pk):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")

        check.refresh_from_db()
        assert check.verdict == "accurate"


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
def test_an_import_writes_its_media_before_it_takes_the_tasks_lock(monkeypatch):
    manager = make_person("mgr.media", Role.MANAGER)
    task = make_task(manager, kind="functional", name="Media lock")
    storage = Item.file.field.storage
    written_inside = []
    save = storage.save

    def watched(name, content, *args, **kwargs):
        if name.startswith("items/"):
            written_inside.append(connection.in_atomic_block)
        return save(name, content, *args, **kwargs)

    monkeypatch.setattr(storage, "save", watched)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for n in range(3):
            bundle.writestr(f"picture-{n}-{uuid.uuid4().hex}.png", PNG + bytes([n]))
    job = import_job_create(actor=manager, task_id=task.pk,
                            upload=SimpleUploadedFile("media.zip", archive.getvalue()))

    job = import_job_run(job_id=job.pk)

    assert job.status == "done", job.message
    assert written_inside == [False, False, False]
    assert set(Item.objects.filter(task=task).values_list("modality", flat=True)) == {"image"}
    assert all(item.file.storage.exists(item.file.name)
               for item in Item.objects.filter(task=task))
