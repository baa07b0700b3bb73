"""Row locks of the annotation app: one helper per model, so that every lock takes its rows
in one order and only the rows it names.

Each helper locks ``of=("self",)``: a caller that adds ``select_related`` reads the joined
rows without locking them (a lease or batch lock must not lock its task's row, which every
other lease, skip and verdict of the task would then wait for). Each orders by primary key:
two transactions locking several rows of one table take them in the same order, so neither
holds one row while it waits for the other's.
"""

from django.db.models import QuerySet

from ..models import Batch, FunctionalLabel, Item, Lease, Membership, Task


def task_qs_select_for_update() -> QuerySet[Task]:
    """Tasks, locked (their rows only) until the caller's transaction ends; by pk."""
    return Task.objects.select_for_update(of=("self",)).order_by("pk")


def batch_qs_select_for_update() -> QuerySet[Batch]:
    """Batches, locked until the caller's transaction ends, by pk, each read with its task
    (every batch decision reads the task's settings) without locking the task's row."""
    return Batch.objects.select_for_update(of=("self",)).select_related("task").order_by("pk")


def lease_qs_select_for_update() -> QuerySet[Lease]:
    """Leases, locked (their rows only) until the caller's transaction ends; by pk."""
    return Lease.objects.select_for_update(of=("self",)).order_by("pk")


def item_qs_select_for_update(*, skip_locked: bool = False) -> QuerySet[Item]:
    """Items, locked (their rows only) until the caller's transaction ends; by pk.
    ``skip_locked``: pass over rows another transaction holds (the work queue) instead of
    waiting for them."""
    return Item.objects.select_for_update(of=("self",), skip_locked=skip_locked).order_by("pk")


def membership_qs_select_for_update() -> QuerySet[Membership]:
    """Memberships, locked (their rows only) until the caller's transaction ends; by pk."""
    return Membership.objects.select_for_update(of=("self",)).order_by("pk")


def functional_label_qs_select_for_update() -> QuerySet[FunctionalLabel]:
    """Functional labels, locked (their rows only) until the caller's transaction ends; by
    pk."""
    return FunctionalLabel.objects.select_for_update(of=("self",)).order_by("pk")
