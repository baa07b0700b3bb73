"""Reviewers' decisions on safety labels, managers' rulings on escalated ones, and approvals
withdrawn with the credential they were given under. Each decision locks its label in the
safety database and settles the label's status in the same transaction."""

from datetime import datetime

from django.db import transaction

from config.db_router import SAFETY_DB
from config.errors import Conflict, NotFound
from config.transactions import transaction_required

from ..models import COUNTED_APPROVAL, SafetyApproval, SafetyLabel
from ..selectors import counted_approval_count
from .locks import safety_approval_qs_select_for_update, safety_label_qs_select_for_update


class SafetyDecisionConflict(Conflict):
    """The label takes no such decision now, or not from this person."""

    code = "safety_decision_conflict"


class SafetyLabelNotOpen(SafetyDecisionConflict):
    code = "safety_label_not_open"


class SafetyLabelIsOwn(SafetyDecisionConflict):
    code = "safety_label_is_own"


class SafetyLabelAlreadyDecided(SafetyDecisionConflict):
    code = "safety_label_already_decided"


class SafetyLabelNotEscalated(SafetyDecisionConflict):
    code = "safety_label_not_escalated"


class SafetyLabelManagerInvolved(SafetyDecisionConflict):
    code = "safety_label_manager_involved"


class SafetyLabelNotFound(NotFound):
    code = "safety_label_not_found"


@transaction_required(using=SAFETY_DB)
def _lock_label(label_id: int) -> SafetyLabel:
    label = safety_label_qs_select_for_update().filter(pk=label_id).first()
    if label is None:
        raise SafetyLabelNotFound(f"Safety label {label_id} does not exist.")
    return label


def _refuse_second_vote(label: SafetyLabel, reviewer_id: int) -> None:
    """A reviewer approves or rejects a label once, and never one they ruled on as a
    manager; asking a manager for a ruling is not a vote."""
    mine = label.approvals.filter(reviewer_id=reviewer_id)
    if mine.filter(adjudication=True).exists():
        raise SafetyLabelAlreadyDecided("You ruled on this label as a manager; other "
                                        "reviewers decide it.")
    if mine.filter(adjudication=False, withdrawn_at=None).exclude(
            decision=SafetyApproval.Decision.ESCALATE).exists():
        raise SafetyLabelAlreadyDecided("You already decided on this label; a reviewer "
                                        "counts once.")


def _standing_votes(label: SafetyLabel) -> list[str]:
    """Reviewers' decisions on the label, without rejections a manager's ruling overruled."""
    votes = list(label.approvals.filter(withdrawn_at=None).order_by("pk")
                 .values_list("decision", "adjudication"))
    standing = []
    for decision, ruling in votes:
        if ruling:
            standing = [vote for vote in standing if vote != SafetyApproval.Decision.REJECT]
        elif decision != SafetyApproval.Decision.ESCALATE:
            standing.append(decision)
    return standing


@transaction_required(using=SAFETY_DB)
def _lock_open_label(*, label_id: int, reviewer_id: int, required_approvals: int,
                     verb: str) -> SafetyLabel:
    """Lock a label that takes a reviewer's decision now: awaiting approval (or approved but
    short of counted approvals), not the reviewer's own, not already decided by them."""
    label = _lock_label(label_id)
    short = label.status == SafetyLabel.Status.APPROVED and \
        counted_approval_count(label_id=label.pk) < required_approvals
    if label.status != SafetyLabel.Status.SUBMITTED and not short:
        raise SafetyLabelNotOpen(
            f"This label is {label.get_status_display().lower()}; it cannot be {verb}.")
    if label.annotator_id == reviewer_id:
        raise SafetyLabelIsOwn("Nobody reviews their own label.")
    _refuse_second_vote(label, reviewer_id)
    return label


@transaction.atomic(using=SAFETY_DB, durable=True)
def safety_label_decide(*, label_id: int, reviewer_id: int, decision: str, comment: str,
                        required_approvals: int, now: datetime, credential_id: int,
                        credential_status: str) -> tuple[SafetyLabel, SafetyApproval]:
    """Record one reviewer's approval or rejection under a lock on the label, with the
    credential they hold now, and settle the label: approved once ``required_approvals``
    distinct reviewers approve; rejected by a rejection when nobody approved yet; escalated
    when reviewers disagree.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyLabelNotOpen: if the label is neither awaiting approval nor approved but
        short of approvals.
    :raises SafetyLabelIsOwn: if the reviewer is its annotator.
    :raises SafetyLabelAlreadyDecided: if the reviewer already decided on it, or ruled on it
        as a manager.
    """
    label = _lock_open_label(label_id=label_id, reviewer_id=reviewer_id,
                             required_approvals=required_approvals, verb="decided")
    approval = SafetyApproval.objects.create(
        label=label, reviewer_id=reviewer_id, decision=decision, comment=comment,
        created_at=now, credential_id=credential_id, credential_status=credential_status)
    votes = _standing_votes(label)
    approvals = votes.count(SafetyApproval.Decision.APPROVE)
    rejections = votes.count(SafetyApproval.Decision.REJECT)
    if rejections and approvals:
        label.status = SafetyLabel.Status.ESCALATED
    elif rejections:
        label.status = SafetyLabel.Status.REJECTED
    elif counted_approval_count(label_id=label.pk) >= required_approvals:
        label.status = SafetyLabel.Status.APPROVED
    else:
        label.status = SafetyLabel.Status.SUBMITTED
    label.save(update_fields=["status"])
    return label, approval


@transaction.atomic(using=SAFETY_DB, durable=True)
def safety_label_escalate(*, label_id: int, reviewer_id: int, comment: str, now: datetime,
                          required_approvals: int = 1) -> tuple[SafetyLabel, SafetyApproval]:
    """A reviewer unsure of a label hands it to a manager; the request is kept beside the
    votes, and the reviewer may still vote once the manager has ruled.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyLabelNotOpen: if the label is neither awaiting approval nor approved but
        short of approvals.
    :raises SafetyLabelIsOwn: if the reviewer is its annotator.
    :raises SafetyLabelAlreadyDecided: if the reviewer already decided on it, or ruled on it
        as a manager.
    """
    label = _lock_open_label(label_id=label_id, reviewer_id=reviewer_id,
                             required_approvals=required_approvals, verb="escalated")
    request = SafetyApproval.objects.create(
        label=label, reviewer_id=reviewer_id, decision=SafetyApproval.Decision.ESCALATE,
        comment=comment, created_at=now)
    label.status = SafetyLabel.Status.ESCALATED
    label.save(update_fields=["status"])
    return label, request


@transaction.atomic(using=SAFETY_DB, durable=True)
def safety_label_adjudicate(*, label_id: int, manager_id: int, decision: str, comment: str,
                            required_approvals: int,
                            now: datetime) -> tuple[SafetyLabel, SafetyApproval]:
    """A manager's ruling on an escalated label. Rejecting rejects it; approving overrules
    the rejections, and the label is approved once enough reviewers approved, or else waits
    for more reviewers. The ruling never counts as an approval itself.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyLabelNotEscalated: if the label is not escalated.
    :raises SafetyLabelManagerInvolved: if the manager labelled or reviewed it.
    """
    label = _lock_label(label_id)
    if label.status != SafetyLabel.Status.ESCALATED:
        raise SafetyLabelNotEscalated("Only an escalated label is adjudicated.")
    if label.annotator_id == manager_id or label.approvals.filter(
            reviewer_id=manager_id, adjudication=False).exists():
        raise SafetyLabelManagerInvolved("You labelled or reviewed this label; another "
                                         "manager rules on it.")
    ruling = SafetyApproval.objects.create(label=label, reviewer_id=manager_id,
                                           decision=decision, comment=comment,
                                           adjudication=True, created_at=now)
    if decision == SafetyApproval.Decision.REJECT:
        label.status = SafetyLabel.Status.REJECTED
    else:
        label.status = SafetyLabel.Status.APPROVED \
            if counted_approval_count(label_id=label.pk) >= required_approvals \
            else SafetyLabel.Status.SUBMITTED
    label.save(update_fields=["status"])
    return label, ruling


@transaction.atomic(using=SAFETY_DB, durable=True)
def safety_approvals_withdraw(*, credential_ids: list[int], reason: str, now: datetime,
                              required_by_task: dict[int, int]) -> list[SafetyApproval]:
    """Withdraw the counted approvals given under these credentials (revoked, or suspended
    by a quality signal) of labels not yet exported. A label approved that no longer has the
    approvals its task needs (``required_by_task``) goes back to the approval queue. Returns
    the approvals withdrawn; withdrawing again changes nothing."""
    approvals = list(safety_approval_qs_select_for_update().filter(
        COUNTED_APPROVAL, credential_id__in=credential_ids, label__first_exported_at=None))
    for approval in approvals:
        approval.withdrawn_at = now
        approval.withdrawn_reason = reason[:300]
        approval.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    for label_id in sorted({approval.label_id for approval in approvals}):
        label = _lock_label(label_id)
        required = max(required_by_task.get(label.task_id, 1), 1)
        if label.status == SafetyLabel.Status.APPROVED and \
                counted_approval_count(label_id=label.pk) < required:
            label.status = SafetyLabel.Status.SUBMITTED
            label.save(update_fields=["status"])
    return approvals
