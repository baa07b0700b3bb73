"""A reviewer's verdict locks its check and its batch, never the task: another transaction
holding the task's row (a task edit, an import) does not hold up review."""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction

from annotation.models import Task
from review.models import SampleCheck
from review.services import sample_check_next, sample_check_record
from tests.review_setup import review_task

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


@contextmanager
def task_row_locked_elsewhere(task_id: int):
    """Hold ``SELECT ... FOR UPDATE`` on the task's row in another connection for the block;
    in the block, this connection gives up on any lock it waits for after a second."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Task.objects.select_for_update().get(pk=task_id)
                held.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=10), "the other connection never locked the task"
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        yield
    finally:
        done.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


class TestATaskRowLockedElsewhere:
    def test_does_not_hold_up_a_verdict(self, manager):
        task, _, reviewer = review_task(manager, name="Lock verdict", items=3, batch_size=3)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)

        with task_row_locked_elsewhere(task.pk):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")

        assert SampleCheck.objects.get(pk=check.pk).verdict == "accurate"

    def test_does_not_hold_up_a_claim(self, manager):
        task, _, reviewer = review_task(manager, name="Lock claim", items=3, batch_size=3)

        with task_row_locked_elsewhere(task.pk):
            check = sample_check_next(reviewer=reviewer, task_id=task.pk)

        assert SampleCheck.objects.get(pk=check.pk).reviewer_id == reviewer.pk

    def test_the_last_verdict_decides_the_batch_all_the_same(self, manager):
        task, _, reviewer = review_task(manager, name="Lock decide", items=2, batch_size=2)
        checks = list(SampleCheck.objects.filter(sample__batch__task=task).order_by("pk"))
        for check in checks[:-1]:
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")

        with task_row_locked_elsewhere(task.pk):
            sample_check_record(reviewer=reviewer, check_id=checks[-1].pk, verdict="accurate")

        assert task.batches.get().state == "accepted"
