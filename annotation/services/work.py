"""The annotator's loop: lease the next item, submit a label (or skip), and the sweeps that
return lapsed leases and repair a crash between the safety and main databases.

Every action re-checks, when it happens, the person's function in the task, an active
credential of the right kind, and their acknowledgement of the task's rule version.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.utils import timezone

from annotators.models import CredentialKind
from annotators.selectors import active_credential_exists
from audit.services import record_event
from config.errors import ApplicationError, NotFound
from rules.label_spec import label_errors
from rules.models import RuleSet
from rules.selectors import acknowledgement_exists
from safety_labels.models import SafetyLabel
from safety_labels.selectors import safety_labels_for_leases
from safety_labels.services import safety_label_submit

from ..models import FunctionalLabel, Item, Lease, Membership, Task
from ..selectors import membership_fitness
from .rework import batch_after_label

logger = logging.getLogger(__name__)

# Leases that keep an item from the person: held, labelled, skipped, or labelled and failed.
LIVE_OR_DONE = [Lease.State.ACTIVE, Lease.State.SUBMITTED, Lease.State.SKIPPED,
                Lease.State.FAILED]


class NotAnAnnotator(NotFound):
    code = "not_an_annotator"


class WorkRefused(ApplicationError):
    """The person may not work right now: no credential, rules not acknowledged, cap reached."""

    code = "work_refused"
    http_status = 403


class AcknowledgementRequired(WorkRefused):
    code = "acknowledgement_required"


class TaskNotActive(ApplicationError):
    code = "task_not_active"
    http_status = 409


class LeaseRefused(ApplicationError):
    code = "lease_refused"
    http_status = 409


class LabelInvalid(ApplicationError):
    code = "invalid"
    http_status = 400


@dataclass(frozen=True)
class Submitted:
    label_id: int
    created: bool
    too_fast: bool
    next_lease: Lease | None = None


def leases_release(*, user_id: int, task_id: int | None = None,
                   task_kind: str | None = None) -> int:
    """Return the person's live leases (in one task, in tasks of one kind, or all) to the
    pool; count them."""
    leases = Lease.objects.select_for_update(of=("self",)).filter(user_id=user_id,
                                                                state=Lease.State.ACTIVE)
    if task_id is not None:
        leases = leases.filter(task_id=task_id)
    if task_kind is not None:
        leases = leases.filter(task__kind=task_kind)
    released = 0
    with transaction.atomic():
        for lease in leases.order_by("pk"):
            lease.state = Lease.State.RELEASED
            lease.closed_at = timezone.now()
            lease.save(update_fields=["state", "closed_at"])
            Item.objects.filter(pk=lease.item_id).update(open_slots=F("open_slots") + 1)
            released += 1
    return released


def leases_release_for_stopped_credential(sender, *, credential_id: int, user_id: int,
                                          kind: str, status: str, **kwargs: Any) -> int:
    """Hand back the person's items in every task their stopped annotation credential let
    them work in, in the transaction that stopped it (a receiver of ``credential_stopped``).
    A review credential holds no leases; another active credential of the kind keeps them."""
    task_kind, _, function = kind.rpartition("_")
    if function != Membership.Function.ANNOTATE:
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


def _refuse_unless_fit(*, user: AbstractBaseUser, task: Task, function: str | None,
                       credential_ok: bool, acknowledged: bool) -> None:
    if function != Membership.Function.ANNOTATE:
        raise NotAnAnnotator("No such task among yours.")
    if not credential_ok:
        with transaction.atomic():
            leases_release(user_id=user.pk, task_id=task.pk)
        kind = task.credential_kind(Membership.Function.ANNOTATE)
        raise WorkRefused(f"You hold no active {kind.label.lower()} credential "
                          "now; your items went back to the pool.")
    if not acknowledged:
        raise AcknowledgementRequired(
            "Read and acknowledge the task's rules before labelling.",
            detail={"rule_version_id": task.rule_version_id})
    if task.state != Task.State.ACTIVE:
        raise TaskNotActive(f"Task {task.name!r} is {task.state}; no labelling now.")


def check_annotator(*, user: AbstractBaseUser, task: Task) -> None:
    """Refuse unless the person annotates this active task, holds an active credential of
    its kind and has acknowledged its rule version. Losing the credential releases the
    person's leases in the task at once.
    """
    fitness = membership_fitness(user_id=user.pk, task=task,
                                 function=Membership.Function.ANNOTATE)
    _refuse_unless_fit(user=user, task=task, function=fitness.function,
                       credential_ok=fitness.credential_ok, acknowledged=fitness.acknowledged)


def exposure_minutes_today(*, user_id: int) -> float:
    """Minutes the person spent on safety items today (closed leases and the open one)."""
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    leases = Lease.objects.filter(user_id=user_id, task__kind="safety", started_at__gte=start)
    closed = leases.exclude(closed_at=None).annotate(spent=F("closed_at") - F("started_at")) \
        .aggregate(total=Sum("spent"))["total"] or timedelta()
    open_spent = sum(((now - started) for started in leases.filter(
        closed_at=None, state=Lease.State.ACTIVE).values_list("started_at", flat=True)),
        timedelta())
    return (closed + open_spent).total_seconds() / 60


def _get_task(task_id: int) -> Task:
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise NotAnAnnotator("No such task among yours.")
    return task


def lease_next(*, user: AbstractBaseUser, task_id: int) -> Lease | None:
    """Hand the person an item that still needs a label and that they have not had, or
    return the lease they already hold. None when nothing is left for them.

    :raises WorkRefused: without the credential or acknowledgement, or past the exposure cap.
    """
    task = _get_task(task_id)
    check_annotator(user=user, task=task)
    return _lease_next_checked(user, task)


def _lease_next_checked(user: AbstractBaseUser, task: Task, *,
                        holds_none: bool = False, retry: bool = True) -> Lease | None:
    """The lease the person holds in the task, or a new one. ``holds_none``: the caller has
    just closed the person's only live lease here, so there is none to look up."""
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
            return _lease_next_checked(user, task, retry=False)
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
        item = (Item.objects.select_for_update(skip_locked=True)
                .filter(pk__in=free, open_slots__gt=0).order_by("id").first()) if free else None
        if item is not None:
            return item
        skipped = skipped or (free[0] if free else None)
        after, size = candidates[-1], min(size * 4, MAX_CANDIDATES)
    if skipped is None:
        return None
    return Item.objects.select_for_update().filter(pk=skipped, open_slots__gt=0).first()


def _own_lease(user: AbstractBaseUser, lease_id: int) -> tuple[Lease, dict]:
    """The person's lease with its task, and in the same query the checks of
    ``check_annotator`` (for both credential kinds; the task's kind picks one)."""
    user_ref = OuterRef("user_id")
    row = (Lease.objects.select_related("task__rule_version", "item")
           .filter(pk=lease_id, user=user)
           .annotate(function=Subquery(Membership.objects.filter(
                         task_id=OuterRef("task_id"), user_id=user_ref, ended_at=None)
                         .values("function")[:1]),
                     functional_credential=active_credential_exists(
                         user_ref=user_ref, kind=CredentialKind.FUNCTIONAL_ANNOTATE),
                     safety_credential=active_credential_exists(
                         user_ref=user_ref, kind=CredentialKind.SAFETY_ANNOTATE),
                     acknowledged=acknowledgement_exists(
                         user_ref=user_ref, version_id=OuterRef("task__rule_version_id")))
           .first())
    if row is None:
        raise NotAnAnnotator("No such lease among yours.")
    fitness = {"function": row.function, "acknowledged": row.acknowledged,
               "credential_ok": row.safety_credential if row.task.is_safety
               else row.functional_credential}
    return row, fitness


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
        lease = Lease.objects.select_for_update(of=("self",)).select_related("task") \
            .get(pk=lease_id)
        if lease.state != Lease.State.ACTIVE:
            return lease.state
        if labelled is None:
            labelled = lease.task.is_safety and bool(safety_labels_for_leases([lease_id]))
        if labelled:
            _close_submitted(lease_id, lease.item_id)
            return Lease.State.SUBMITTED
        _expire(lease)
        return Lease.State.EXPIRED


def _close_submitted(lease_id: int, item_id: int) -> bool:
    """Mark a lease labelled and count the label on its item; False if it was already."""
    # The usual case, a live lease, closes in one statement; a concurrent closer of the
    # same lease finds it no longer active and takes the locked path below.
    if Lease.objects.filter(pk=lease_id, state=Lease.State.ACTIVE).update(
            state=Lease.State.SUBMITTED, closed_at=timezone.now()):
        Item.objects.filter(pk=item_id).update(labels_done=F("labels_done") + 1)
        return True
    lease = Lease.objects.select_for_update().get(pk=lease_id)
    if lease.state == Lease.State.SUBMITTED:
        return False
    # Lapsed or released meanwhile: its slot went back to the pool; take it again.
    lease.state = Lease.State.SUBMITTED
    lease.closed_at = timezone.now()
    lease.save(update_fields=["state", "closed_at"])
    Item.objects.filter(pk=item_id).update(labels_done=F("labels_done") + 1,
                                           open_slots=F("open_slots") - 1)
    return True


def _existing_label(user: AbstractBaseUser, task: Task, client_id: uuid.UUID) -> int | None:
    if task.is_safety:
        return SafetyLabel.objects.filter(annotator_id=user.pk, client_id=client_id) \
            .values_list("pk", flat=True).first()
    return FunctionalLabel.objects.filter(annotator=user, client_id=client_id) \
        .values_list("pk", flat=True).first()


def lease_submit(*, user: AbstractBaseUser, lease_id: int, client_id: uuid.UUID,
                 label: dict[str, Any], then_next: bool = False) -> Submitted:
    """Store the person's label for a live lease. Sending the same client id again returns
    the same label and creates nothing.

    A safety label is committed in the safety database first, then the lease is closed here;
    ``safety_labels_reconcile`` repairs a crash between the two.

    :raises LeaseRefused: if the lease lapsed, was skipped or released, or already labelled.
    :raises LabelInvalid: if the label does not fit the rules.
    """
    lease, fitness = _own_lease(user, lease_id)
    task = lease.task
    # A retry finds its lease closed: return the label it made. (A retry that races the
    # first attempt is caught by the unique client id below.)
    if lease.state != Lease.State.ACTIVE and \
            (existing := _existing_label(user, task, client_id)) is not None:
        return Submitted(label_id=existing, created=False, too_fast=False)
    _refuse_unless_fit(user=user, task=task, **fitness)
    now = timezone.now()
    if lease.state != Lease.State.ACTIVE:
        raise LeaseRefused(f"This lease is {lease.state}; ask for the next item.")
    if now > lease.expires_at:
        if lease_lapse(lease_id=lease.pk) == Lease.State.SUBMITTED and \
                (existing := _existing_label(user, task, client_id)) is not None:
            # This very label committed before a crash kept the lease from closing.
            return Submitted(label_id=existing, created=False, too_fast=False)
        raise LeaseRefused("The time for this item ran out and it went back to the pool; "
                           "ask for the next item.")
    too_fast = (now - lease.started_at).total_seconds() < task.minimum_seconds_per_item
    if task.is_safety:
        label_id, created = _submit_safety(user, lease, task, client_id, label, now, too_fast)
    else:
        label_id, created = _submit_functional(user, lease, task, client_id, label, now,
                                               too_fast)
        # The label that completes a batch sends it to be sampled at once (invariant 6).
        batch_after_label(batch_id=lease.item.batch_id, label_id=label_id)
    # The checks above hold for the next lease too: same person, task and moment.
    next_lease = _lease_next_checked(user, task, holds_none=created) if then_next else None
    return Submitted(label_id=label_id, created=created, too_fast=too_fast,
                     next_lease=next_lease)


def _submit_functional(user, lease: Lease, task: Task, client_id, label, now,
                       too_fast) -> tuple[int, bool]:
    """Store a functional label with its lease's close; returns its id and whether this call
    made it (a retry sent at the same moment gets the same label, not made)."""
    payload = label.get("payload") if isinstance(label, dict) else None
    errors = label_errors(task.rule_version.label_spec, payload)
    if errors:
        raise LabelInvalid("The label does not fit the task's label fields; see detail.",
                           detail={"payload": errors})
    try:
        with transaction.atomic():
            if not _close_submitted(lease.pk, lease.item_id):
                # Closed by a concurrent send of this same submission: return its label.
                if (existing := _existing_label(user, task, client_id)) is not None:
                    return existing, False
                raise LeaseRefused("This item is already labelled by you.")
            created = FunctionalLabel.objects.create(
                item_id=lease.item_id, task=task, lease=lease, annotator=user,
                rule_version_id=task.rule_version_id, payload=payload, client_id=client_id,
                started_at=lease.started_at, submitted_at=now, too_fast=too_fast)
    except IntegrityError:
        # The same submission, sent twice at once: the first one stored it.
        existing = _existing_label(user, task, client_id)
        if existing is None:
            raise
        return existing, False
    return created.pk, True


def _submit_safety(user, lease: Lease, task: Task, client_id, label, now,
                   too_fast) -> tuple[int, bool]:
    if not isinstance(label, dict):
        raise LabelInvalid("A safety label is an object with risk_codes or no_risk.")
    safety_label, created = safety_label_submit(
        lease_id=lease.pk, task_id=task.pk, item_id=lease.item_id, annotator_id=user.pk,
        rule_version_id=task.rule_version_id, client_id=client_id,
        risk_codes=label.get("risk_codes", []), no_risk=bool(label.get("no_risk")),
        spans=label.get("spans", []), note=label.get("note", ""),
        text_length=len(lease.item.text), started_at=lease.started_at, submitted_at=now,
        too_fast=too_fast)
    with transaction.atomic():
        _close_submitted(lease.pk, lease.item_id)
    return safety_label.pk, created


@transaction.atomic(durable=True)
def lease_skip(*, user: AbstractBaseUser, lease_id: int, reason: str) -> Lease:
    """Give an item back with a reason; the person will not be handed it again."""
    reason = (reason or "").strip()
    if not reason:
        raise LabelInvalid("Say why you skip the item.", detail={"reason": ["Required."]})
    lease = Lease.objects.select_for_update(of=("self",)).select_related("task").filter(
        pk=lease_id, user=user).first()
    if lease is None:
        raise NotAnAnnotator("No such lease among yours.")
    if lease.state != Lease.State.ACTIVE:
        raise LeaseRefused(f"This lease is {lease.state}; it cannot be skipped.")
    lease.state = Lease.State.SKIPPED
    lease.closed_at = timezone.now()
    lease.skip_reason = reason[:500]
    lease.save(update_fields=["state", "closed_at", "skip_reason"])
    Item.objects.filter(pk=lease.item_id).update(open_slots=F("open_slots") + 1)
    return lease


def leases_expire_due() -> int:
    """Return lapsed leases to the pool; a lease whose safety label was committed is closed
    as labelled instead. Functional leases lapse even while the safety database is down:
    only the safety ones wait for it."""
    due = list(Lease.objects.filter(state=Lease.State.ACTIVE, expires_at__lt=timezone.now())
               .values_list("pk", "task__kind")[:5000])
    safety = [pk for pk, kind in due if kind == RuleSet.Kind.SAFETY]
    try:
        labelled = set(safety_labels_for_leases(safety)) if safety else set()
    except DatabaseError:
        logger.warning("The safety database is out of reach: %d lapsed safety lease(s) wait "
                       "for the next sweep.", len(safety), exc_info=True)
        due = [(pk, kind) for pk, kind in due if kind != RuleSet.Kind.SAFETY]
        labelled = set()
    expired = 0
    for lease_id, kind in due:
        outcome = lease_lapse(lease_id=lease_id,
                              labelled=kind == RuleSet.Kind.SAFETY and lease_id in labelled)
        expired += outcome == Lease.State.EXPIRED
    return expired


def safety_labels_reconcile(*, since_hours: int = 48) -> int:
    """Close the leases of safety labels committed in the safety database whose lease here
    was never closed (a crash between the two commits). Returns how many were repaired.

    A label rejected or withdrawn since has sent its item back on purpose (its lease is
    superseded); such labels are left alone."""
    since = timezone.now() - timedelta(hours=since_hours)
    lease_ids = list(SafetyLabel.objects.filter(submitted_at__gte=since).exclude(
        status__in=[SafetyLabel.Status.REJECTED, SafetyLabel.Status.SUPERSEDED])
        .values_list("lease_id", flat=True))
    unclosed = Lease.objects.filter(pk__in=lease_ids).exclude(
        state__in=[Lease.State.SUBMITTED, Lease.State.SUPERSEDED]).values_list("pk", "item_id")
    repaired = 0
    for lease_id, item_id in unclosed:
        try:
            with transaction.atomic():
                repaired += _close_submitted(lease_id, item_id)
        except IntegrityError:
            # One lease that cannot be closed (its item was handed out again meanwhile)
            # must not stop the repair of the others.
            logger.exception("Lease %s of a committed safety label could not be closed.",
                             lease_id)
    return repaired
