"""Submitting a label for a live lease: a functional label here, a safety label in the
segregated safety database. See leases.py for why this is not one transaction."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import Invalid
from rules.label_spec import label_errors
from safety_labels.models import SafetyLabel
from safety_labels.services import safety_label_submit

from ..models import FunctionalLabel, Lease, Task
from ..selectors import lease_get_with_fitness
from .leases import (
    LeaseNotFound,
    LeaseRefused,
    check_annotator,
    lease_close_submitted,
    lease_lapse,
    lease_take_next,
)
from .rework import batch_after_label


class LabelInvalid(Invalid):
    """The label does not fit the task's label fields, or is not a label at all."""

    code = "label_invalid"


@dataclass(frozen=True)
class Submitted:
    label_id: int
    created: bool
    too_fast: bool
    next_lease: Lease | None = None


def _existing_label(user: AbstractBaseUser, task: Task, client_id: uuid.UUID) -> int | None:
    if task.is_safety:
        return SafetyLabel.objects.filter(annotator_id=user.pk, client_id=client_id) \
            .values_list("pk", flat=True).first()
    return FunctionalLabel.objects.filter(annotator=user, client_id=client_id) \
        .values_list("pk", flat=True).first()


def lease_submit(*, user: AbstractBaseUser, lease_id: int, client_id: uuid.UUID,
                 label: dict[str, Any], then_next: bool = False) -> Submitted:
    """Store the person's label for a live lease. Sending the same client id again returns
    the same label and creates nothing. ``then_next``: hand back the person's next lease in
    the same call.

    A safety label is committed in the safety database first, then the lease is closed here;
    ``safety_labels_reconcile`` repairs a crash between the two.

    :raises LeaseNotFound: if the lease is not the person's.
    :raises NotAnAnnotator: if the person no longer annotates the task.
    :raises WorkRefused: without an active credential of the task's kind (their items go
        back to the pool), or, with ``then_next``, past today's exposure cap.
    :raises AcknowledgementRequired: before the task's rule version is acknowledged.
    :raises TaskNotActive: if the task is not active.
    :raises LeaseRefused: if the lease lapsed, was skipped or released, or already labelled.
    :raises LabelInvalid: if a functional label does not fit the rules' label fields.
    :raises InvalidSafetyLabel: if a safety label is malformed.
    """
    found = lease_get_with_fitness(user_id=user.pk, lease_id=lease_id)
    if found is None:
        raise LeaseNotFound("No such lease among yours.")
    lease, fitness = found
    task = lease.task
    # A retry finds its lease closed: return the label it made. (A retry that races the
    # first attempt is caught by the unique client id below.)
    if lease.state != Lease.State.ACTIVE and \
            (existing := _existing_label(user, task, client_id)) is not None:
        return Submitted(label_id=existing, created=False, too_fast=False)
    check_annotator(user=user, task=task, fitness=fitness)
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
    store = _submit_safety if task.is_safety else _submit_functional
    label_id, created = store(user=user, lease=lease, client_id=client_id, label=label,
                              now=now, too_fast=too_fast)
    if not task.is_safety:
        # The label that completes a batch sends it to be sampled at once (invariant 6).
        batch_after_label(batch_id=lease.item.batch_id, label_id=label_id)
    # The checks above hold for the next lease too: same person, task and moment.
    next_lease = lease_take_next(user=user, task=task, holds_none=created) if then_next \
        else None
    return Submitted(label_id=label_id, created=created, too_fast=too_fast,
                     next_lease=next_lease)


def _submit_functional(*, user: AbstractBaseUser, lease: Lease, client_id: uuid.UUID,
                       label: Any, now: datetime, too_fast: bool) -> tuple[int, bool]:
    """Store a functional label with its lease's close; returns its id and whether this call
    made it (a retry sent at the same moment gets the same label, not made)."""
    task = lease.task
    payload = label.get("payload") if isinstance(label, dict) else None
    errors = label_errors(task.rule_version.label_spec, payload)
    if errors:
        raise LabelInvalid("The label does not fit the task's label fields; see detail.",
                           detail={"payload": errors})
    try:
        with transaction.atomic():
            if not lease_close_submitted(lease_id=lease.pk, item_id=lease.item_id):
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


def _submit_safety(*, user: AbstractBaseUser, lease: Lease, client_id: uuid.UUID,
                   label: Any, now: datetime, too_fast: bool) -> tuple[int, bool]:
    """Commit a safety label in the safety database, then close its lease here."""
    if not isinstance(label, dict):
        raise LabelInvalid("A safety label is an object with risk_codes or no_risk.")
    task = lease.task
    safety_label, created = safety_label_submit(
        lease_id=lease.pk, task_id=task.pk, item_id=lease.item_id, annotator_id=user.pk,
        rule_version_id=task.rule_version_id, client_id=client_id,
        risk_codes=label.get("risk_codes", []), no_risk=bool(label.get("no_risk")),
        spans=label.get("spans", []), note=label.get("note", ""),
        text_length=len(lease.item.text), started_at=lease.started_at, submitted_at=now,
        too_fast=too_fast)
    with transaction.atomic():
        lease_close_submitted(lease_id=lease.pk, item_id=lease.item_id)
    return safety_label.pk, created
