"""Batch state changes that the labelling loop and review decide, and sending labelled items
back to the pool.

Except for ``batch_after_label`` and ``batches_mark_submitted`` (entry points with their own
transactions), these run inside the caller's transaction (review's services), and the
writing ones say so with ``@transaction_required``; each batch change writes its audit event
there.
"""

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict
from config.transactions import transaction_required

from ..models import Batch, FunctionalLabel, Item, Lease
from ..signals import batch_submitted, correction_submitted, send_on_commit
from .locks import (
    batch_qs_select_for_update,
    functional_label_qs_select_for_update,
    lease_qs_select_for_update,
)


class BatchStateRefused(Conflict):
    """The batch's state machine has no step from where it is to the state asked for."""

    code = "batch_state_refused"


@transaction_required
def batch_transition(*, actor: AbstractBaseUser | None, batch: Batch, to: str,
                     data: dict | None = None) -> Batch:
    """Move a locked batch along its state machine and audit it.

    :raises BatchStateRefused: if the batch cannot become ``to`` from its state.
    """
    if to not in Batch.TRANSITIONS[Batch.State(batch.state)]:
        raise BatchStateRefused(f"Batch {batch.number} is {batch.state}; it cannot become "
                                f"{to}.")
    previous = batch.state
    batch.state = to
    fields = ["state"]
    if to == Batch.State.ANNOTATING and previous == Batch.State.REWORK:
        batch.round += 1
        fields.append("round")
    batch.save(update_fields=fields)
    record_event(actor=actor, action=f"batch.{to}", target=batch,
                 data={"task": batch.task_id, "number": batch.number, "from": previous,
                       "round": batch.round, **(data or {})})
    return batch


def batch_lock(batch_id: int) -> Batch:
    """The batch with its task, locked for a state change (the batch's row only)."""
    return batch_qs_select_for_update().get(pk=batch_id)


def batch_unfinished(batch: Batch) -> bool:
    """Whether any item of the locked batch still lacks a label, or one is being made."""
    return Item.objects.filter(batch=batch, labels_done__lt=batch.task.labels_per_item) \
        .exists() or Lease.objects.filter(item__batch=batch, state=Lease.State.ACTIVE).exists()


def batch_after_label(*, batch_id: int, label_id: int) -> None:
    """After a functional label committed: a batch whose last label this was is marked
    submitted, and its sample is drawn once that commits; a label made again in a batch
    being corrected is sent to be checked.

    One query in the usual case. Runs after the label's own commit, so that of two last
    labels landing together the later one sees the other and submits the batch.
    """
    open_items = Item.objects.filter(batch_id=OuterRef("pk"), open_slots__gt=0)
    live = Lease.objects.filter(task_id=OuterRef("task_id"), state=Lease.State.ACTIVE,
                                item__batch_id=OuterRef("pk"))
    state, busy = Batch.objects.filter(pk=batch_id).annotate(
        busy=Exists(open_items) | Exists(live)).values_list("state", "busy").get()
    if state == Batch.State.CORRECTING:
        send_on_commit(signal=correction_submitted, label_id=label_id, batch_id=batch_id)
        return
    if state != Batch.State.ANNOTATING or busy:
        return
    with transaction.atomic():
        batch = batch_lock(batch_id)
        if batch.state != Batch.State.ANNOTATING or batch_unfinished(batch):
            return
        batch_transition(actor=None, batch=batch, to=Batch.State.SUBMITTED,
                         data={"reason": "its last label landed", "label": label_id})
        send_on_commit(signal=batch_submitted, batch_id=batch_id)


def batches_mark_submitted(*, on_submitted: Callable[[int], object],
                           limit: int = 500) -> list[int]:
    """Mark functional batches whose items all carry their labels, and that nobody is still
    labelling, as submitted; ``on_submitted(batch_id)`` runs once each commits (review draws
    the sample). Returns their ids. The periodic safety net of ``batch_after_label``."""
    unfinished = Item.objects.filter(batch=OuterRef("pk"),
                                     labels_done__lt=F("task__labels_per_item"))
    live = Lease.objects.filter(item__batch=OuterRef("pk"), state=Lease.State.ACTIVE)
    due = list(Batch.objects.filter(state=Batch.State.ANNOTATING, task__kind="functional")
               .exclude(Exists(unfinished)).exclude(Exists(live))
               .values_list("pk", flat=True)[:limit])
    marked = []
    for batch_id in due:
        with transaction.atomic():
            batch = batch_lock(batch_id)
            if batch.state != Batch.State.ANNOTATING or batch_unfinished(batch):
                continue
            batch_transition(actor=None, batch=batch, to=Batch.State.SUBMITTED)
            transaction.on_commit(lambda batch_id=batch_id: on_submitted(batch_id))
            marked.append(batch_id)
    return marked


@transaction_required
def functional_labels_supersede(*, label_ids: list[int],
                                failed_ids: frozenset[int] = frozenset()) -> int:
    """Send labelled items back for a new label: each label is kept but marked superseded,
    its lease too, and its item needs one more label. The leases of ``failed_ids`` (labels
    that failed their check) are marked failed instead, so that the item goes to somebody
    else. Returns how many were superseded."""
    now = timezone.now()
    labels = list(functional_label_qs_select_for_update()
                  .filter(pk__in=label_ids, superseded_at=None))
    for label in labels:
        label.superseded_at = now
        label.save(update_fields=["superseded_at"])
        Lease.objects.filter(pk=label.lease_id).update(
            state=Lease.State.FAILED if label.pk in failed_ids else Lease.State.SUPERSEDED)
        Item.objects.filter(pk=label.item_id).update(labels_done=F("labels_done") - 1,
                                                     open_slots=F("open_slots") + 1)
    return len(labels)


@transaction_required
def safety_leases_supersede(*, lease_ids: list[int]) -> int:
    """The safety labels of these leases were withdrawn or rejected: their items need a new
    label. Returns how many leases changed."""
    leases = list(lease_qs_select_for_update()
                  .filter(pk__in=lease_ids, state=Lease.State.SUBMITTED))
    for lease in leases:
        lease.state = Lease.State.SUPERSEDED
        lease.save(update_fields=["state"])
        Item.objects.filter(pk=lease.item_id).update(labels_done=F("labels_done") - 1,
                                                     open_slots=F("open_slots") + 1)
    return len(leases)


@transaction_required
def batch_items_close(*, batch: Batch) -> int:
    """No item of an invalidated batch is handed out again; live leases on it end."""
    Lease.objects.filter(item__batch=batch, state=Lease.State.ACTIVE).update(
        state=Lease.State.RELEASED, closed_at=timezone.now())
    return Item.objects.filter(batch=batch).update(open_slots=0)


@transaction_required
def functional_work_return(*, user_id: int) -> int:
    """Send the person's current labels in batches not yet sampled (annotating or
    submitted) back to the pool; a submitted batch goes back to annotating. The batches are
    locked first, so that none is sampled meanwhile. Returns how many labels went back."""
    mine = FunctionalLabel.objects.filter(annotator_id=user_id, superseded_at=None)
    batches = list(batch_qs_select_for_update().filter(
        pk__in=mine.values("item__batch_id"),
        state__in=[Batch.State.ANNOTATING, Batch.State.SUBMITTED]))
    for batch in batches:
        if batch.state == Batch.State.SUBMITTED:
            batch_transition(actor=None, batch=batch, to=Batch.State.ANNOTATING,
                             data={"reason": "labels returned for re-annotation"})
    label_ids = list(mine.filter(item__batch__in=batches).values_list("pk", flat=True))
    return functional_labels_supersede(label_ids=label_ids)


@transaction_required
def batches_mark_exported(*, batch_ids: list[int], at: datetime) -> int:
    """Record that an export carried these batches' labels out; the first export counts."""
    return Batch.objects.filter(pk__in=batch_ids, first_exported_at=None) \
        .update(first_exported_at=at)
