"""Leases: handing the next item to an annotator, skipping it, letting it lapse, and giving a
person's items back when they may no longer work.

Every action re-checks, when it happens, the person's function in the task, an active
credential of the right kind, and their acknowledgement of the task's rule version.

Transactions. ``lease_skip`` is one durable transaction. The hot path is deliberately
several short ones, so that no lock is held while the person's request does other work:

- ``lease_next`` may release the person's leases (a credential found stopped) and lapse
  their held lease, each in its own transaction, then takes an item in another;
- ``lease_submit`` (labels.py) stores a functional label with its lease's close in one
  transaction, then looks at its batch in another; a safety label is committed in the
  safety database first and the lease is closed here after, so the two databases are never
  in one transaction, and ``safety_labels_reconcile`` repairs a crash between the two;
- ``leases_expire_due`` (reconcile.py) lapses each lease in a transaction of its own.

The helpers marked ``@transaction_required`` write inside their caller's transaction.
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef
from django.utils import timezone

from annotators.models import CredentialKind
from annotators.selectors import active_credential_exists
from audit.services import record_event
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from config.transactions import transaction_required
from rules.models import RuleSet
from safety_labels.selectors import safety_labels_for_leases

from ..models import LIVE_OR_DONE, Item, Lease, Membership, Task
from ..selectors import Fitness, exposure_minutes_today, membership_fitness
from .locks import item_qs_select_for_update, lease_qs_select_for_update


class NotAnAnnotator(NotFound):
    """Not an annotator of the task, or no such task: the two look alike."""

    code = "not_an_annotator"


class LeaseNotFound(NotFound):
    """No such lease among the person's own."""

    code = "lease_not_found"


class WorkRefused(NotAllowed):
    """The person may not work right now: no credential, rules not acknowledged, cap reached."""

    code = "work_refused"


class AcknowledgementRequired(WorkRefused):
    code = "acknowledgement_required"


class TaskNotActive(Conflict):
    code = "task_not_active"


class LeaseRefused(Conflict):
    """The lease is no longer live: it lapsed, was skipped or released, or is labelled."""

    code = "lease_refused"


class SkipReasonMissing(Invalid):
    code = "skip_reason_missing"


@transaction_required
def leases_release(*, user_id: int, task_id: int | None = None,
                   task_kind: str | None = None) -> int:
    """Return the person's live leases (in one task, in tasks of one kind, or all) to the
    pool; count them."""
    leases = lease_qs_select_for_update().filter(user_id=user_id, state=Lease.State.ACTIVE)
    if task_id is not None:
        leases = leases.filter(task_id=task_id)
    if task_kind is not None:
        leases = leases.filter(task__kind=task_kind)
    released = 0
    for lease in leases:
        lease.state = Lease.State.RELEASED
        lease.closed_at = timezone.now()
        lease.save(update_fields=["state", "closed_at"])
        Item.objects.filter(pk=lease.item_id).update(open_slots=F("open_slots") + 1)
        released += 1
    return released


@transaction_required
def leases_release_for_stopped_credential(sender: Any, *, credential_id: int, user_id: int,
                                          kind: str, status: str, **kwargs: Any) -> int:
    """Hand back the person's items in every task their stopped annotation credential let
    them work in, in the transaction that stopped it (a receiver of ``credential_stopped``).
    A review credential holds no leases; another active credential of the kind keeps them."""
    annotated_under = {
        CredentialKind.for_task(safety=task_kind == RuleSet.Kind.SAFETY,
                                function=Membership.Function.ANNOTATE): task_kind
        for task_kind in RuleSet.Kind}
    task_kind = annotated_under.get(kind)
    if task_kind is None:
        return 0
    if get_user_model().objects.filter(pk=user_id).filter(
            active_credential_exists(user_ref=OuterRef("pk"), kind=kind)).exists():
        return 0
    released = leases_release(user_id=user_id, task_kind=task_kind)
    if released:
        record_event(actor=None, action="leases.released", target=None,
                     data={"user_id": user_id, "credential_id": credential_id,
                           "credential_status": status, "leases_released": released})
    return released


def check_annotator(*, user: AbstractBaseUser, task: Task, fitness: Fitness | None = None) -> None:
    """Refuse unless the person annotates this active task, holds an active credential of
    its kind and has acknowledged its rule version. Losing the credential releases the
    person's leases in the task at once (a write, in a transaction of its own).
    ``fitness``: the person's ``membership_fitness`` here, when the caller has read it.

    :raises NotAnAnnotator: if the person does not annotate the task (now).
    :raises WorkRefused: without an active credential of the task's kind.
    :raises AcknowledgementRequired: before the task's rule version is acknowledged.
    :raises TaskNotActive: if the task is not active.
    """
    if fitness is None:
        fitness = membership_fitness(user_id=user.pk, task=task,
                                     function=Membership.Function.ANNOTATE)
    if fitness.function != Membership.Function.ANNOTATE:
        raise NotAnAnnotator("No such task among yours.")
    if not fitness.credential_ok:
        with transaction.atomic():
            leases_release(user_id=user.pk, task_id=task.pk)
        kind = task.credential_kind(Membership.Function.ANNOTATE)
        raise WorkRefused(f"You hold no active {kind.label.lower()} credential "
                          "now; your items went back to the pool.")
    if not fitness.acknowledged:
        raise AcknowledgementRequired(
            "Read and acknowledge the task's rules before labelling.",
            detail={"rule_version_id": task.rule_version_id})
    if task.state != Task.State.ACTIVE:
        raise TaskNotActive(f"Task {task.name!r} is {task.state}; no labelling now.")


def lease_next(*, user: AbstractBaseUser, task_id: int) -> Lease | None:
    """Hand the person an item that still needs a label and that they have not had, or
    return the lease they already hold. None when nothing is left for them.

    :raises NotAnAnnotator: if there is no such task or the person does not annotate it.
    :raises WorkRefused: without an active credential of the task's kind (their items go
        back to the pool), or past today's exposure cap of a safety task.
    :raises AcknowledgementRequired: before the task's rule version is acknowledged.
    :raises TaskNotActive: if the task is not active.
    """
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise NotAnAnnotator("No such task among yours.")
    check_annotator(user=user, task=task)
    return lease_take_next(user=user, task=task)


def lease_take_next(*, user: AbstractBaseUser, task: Task, holds_none: bool = False,
                    retry: bool = True) -> Lease | None:
    """The lease the person holds in the task, or a new one, for a caller that has just
    checked the person (``check_annotator``). ``holds_none``: the caller has just closed the
    person's only live lease here, so there is none to look up.

    :raises WorkRefused: past today's exposure cap of a safety task.
    """
    now = timezone.now()
    if not holds_none:
        held = Lease.objects.filter(user=user, task=task, state=Lease.State.ACTIVE) \
            .select_related("item").first()
        if held is not None and held.expires_at > now:
            return held
        if held is not None:
            lease_lapse(lease_id=held.pk)
    if task.is_safety and exposure_minutes_today(user_id=user.pk) >= \
            task.daily_exposure_cap_minutes:
        raise WorkRefused(f"You reached today's limit of {task.daily_exposure_cap_minutes} "
                          "minutes of safety content. Rest; work resumes tomorrow.")
    try:
        with transaction.atomic():
            item = _take_item(user, task)
            if item is None:
                return None
            Item.objects.filter(pk=item.pk).update(open_slots=F("open_slots") - 1)
            lease = Lease.objects.create(
                item=item, task=task, user=user, started_at=now,
                expires_at=now + timedelta(seconds=task.lease_seconds))
    except IntegrityError:
        # The person's other request leased first (one live lease per person and task), or
        # labelled the item this one chose meanwhile: hand back that lease, or look again.
        held = Lease.objects.filter(user=user, task=task, state=Lease.State.ACTIVE) \
            .select_related("item").first()
        if held is not None:
            return held
        if retry:
            return lease_take_next(user=user, task=task, retry=False)
        raise
    lease.item = item
    return lease


# Items looked at in the first step of the work queue; each further step looks at more.
CANDIDATES = 8
MAX_CANDIDATES = 2048


def _take_item(user: AbstractBaseUser, task: Task) -> Item | None:
    """Take the first item of the task's work queue that the person has not had and that
    nobody else is taking (SKIP LOCKED: concurrent annotators each lock a different row,
    never the same slot). Plain index walks, whatever the person did in other tasks: a
    single anti-join lets PostgreSQL's planner walk all of their leases instead.

    A step that finds only items the person had looks at four times as many next, so a
    person far ahead of the others pays a few steps, not one per eight items. When every
    free item was locked by someone else, the first of them is waited for once, so that a
    slot taken only for an instant is not reported as none left."""
    after, size, skipped = 0, CANDIDATES, None
    while True:
        candidates = list(Item.objects.filter(task=task, open_slots__gt=0, pk__gt=after)
                          .order_by("id").values_list("pk", flat=True)[:size])
        if not candidates:
            break
        had = set(Lease.objects.filter(item_id__in=candidates, user=user,
                                       state__in=LIVE_OR_DONE)
                  .values_list("item_id", flat=True))
        free = [pk for pk in candidates if pk not in had]
        item = (item_qs_select_for_update(skip_locked=True)
                .filter(pk__in=free, open_slots__gt=0).first()) if free else None
        if item is not None:
            return item
        skipped = skipped or (free[0] if free else None)
        after, size = candidates[-1], min(size * 4, MAX_CANDIDATES)
    if skipped is None:
        return None
    return item_qs_select_for_update().filter(pk=skipped, open_slots__gt=0).first()


def _expire(lease: Lease) -> None:
    lease.state = Lease.State.EXPIRED
    lease.closed_at = timezone.now()
    lease.save(update_fields=["state", "closed_at"])
    Item.objects.filter(pk=lease.item_id).update(open_slots=F("open_slots") + 1)


def lease_lapse(*, lease_id: int, labelled: bool | None = None) -> str:
    """End a live lease whose time ran out. A safety label committed for it before a crash
    closes it as labelled instead: its item is never handed out again. ``labelled`` says
    whether such a label exists, when the caller has looked it up already. Returns the
    lease's state after.

    Every path that expires a lease comes here: a next-item call, a submit past time and
    the sweep."""
    with transaction.atomic():
        lease = lease_qs_select_for_update().select_related("task").get(pk=lease_id)
        if lease.state != Lease.State.ACTIVE:
            return lease.state
        if labelled is None:
            labelled = lease.task.is_safety and \
                bool(safety_labels_for_leases(lease_ids=[lease_id]))
        if labelled:
            lease_close_submitted(lease_id=lease_id, item_id=lease.item_id)
            return Lease.State.SUBMITTED
        _expire(lease)
        return Lease.State.EXPIRED


@transaction_required
def lease_close_submitted(*, lease_id: int, item_id: int) -> bool:
    """Mark a lease labelled and count the label on its item; False if it was already."""
    # The usual case, a live lease, closes in one statement; a concurrent closer of the
    # same lease finds it no longer active and takes the locked path below.
    if Lease.objects.filter(pk=lease_id, state=Lease.State.ACTIVE).update(
            state=Lease.State.SUBMITTED, closed_at=timezone.now()):
        Item.objects.filter(pk=item_id).update(labels_done=F("labels_done") + 1)
        return True
    lease = lease_qs_select_for_update().get(pk=lease_id)
    if lease.state == Lease.State.SUBMITTED:
        return False
    # Lapsed or released meanwhile: its slot went back to the pool; take it again.
    lease.state = Lease.State.SUBMITTED
    lease.closed_at = timezone.now()
    lease.save(update_fields=["state", "closed_at"])
    Item.objects.filter(pk=item_id).update(labels_done=F("labels_done") + 1,
                                           open_slots=F("open_slots") - 1)
    return True


@transaction.atomic(durable=True)
def lease_skip(*, user: AbstractBaseUser, lease_id: int, reason: str) -> Lease:
    """Give an item back with a reason; the person will not be handed it again.

    :raises SkipReasonMissing: if the reason is blank.
    :raises LeaseNotFound: if the lease is not the person's.
    :raises LeaseRefused: if the lease is no longer live.
    """
    reason = (reason or "").strip()
    if not reason:
        raise SkipReasonMissing("Say why you skip the item.", detail={"reason": ["Required."]})
    lease = lease_qs_select_for_update().filter(pk=lease_id, user=user).first()
    if lease is None:
        raise LeaseNotFound("No such lease among yours.")
    if lease.state != Lease.State.ACTIVE:
        raise LeaseRefused(f"This lease is {lease.state}; it cannot be skipped.")
    lease.state = Lease.State.SKIPPED
    lease.closed_at = timezone.now()
    lease.skip_reason = reason[:500]
    lease.save(update_fields=["state", "closed_at", "skip_reason"])
    Item.objects.filter(pk=lease.item_id).update(open_slots=F("open_slots") + 1)
    return lease
