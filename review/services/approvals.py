"""The safety approval queue: every safety label needs the task's number of approvals from
distinct reviewers of the task, never its annotator, each under an active safety-review
credential recorded on the approval; disagreements go to a manager.

Decisions are committed in the safety database first; the audit event and any change here
(the item going back to the pool, batches holding content found illegal invalidated) follow
right after, and ``safety_decisions_reconcile`` repairs a crash between the two.

So these entry points are deliberately not one transaction but two, one per database, in
that order: ``safety_label_approve``, ``safety_label_reject``,
``safety_label_escalate_to_manager``, ``safety_label_rule`` and
``safety_approvals_withdraw_for``. ``safety_decisions_reconcile`` runs each repair in a
transaction of its own, so that one repair that fails leaves the others made.
"""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotation.models import Batch, Item, Task
from annotation.services.rework import batch_qs_select_for_update, safety_leases_supersede
from annotators.models import CredentialKind
from annotators.selectors import credentials_withdrawing_approvals, users_suspended_for_quality
from audit.selectors import audit_event_data_since, audit_targets_recorded
from audit.services import record_event
from config.celery import enqueue_on_commit
from config.errors import Invalid
from config.transactions import transaction_required
from rules.models import RuleSet
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.selectors import awaiting_approval
from safety_labels.services import (
    safety_approvals_withdraw,
    safety_label_adjudicate,
    safety_label_decide,
    safety_label_escalate,
)

from ..models import BatchDecision
from ..selectors import can_adjudicate
from .checks import illegal_codes
from .common import (
    NotAReviewer,
    ReviewCredentialInactive,
    check_reviewer,
    review_credential,
    task_for_review,
)
from .decisions import batch_invalidate
from .quality import safety_work_return

MAX_COMMENT = 2000


class DecisionCommentInvalid(Invalid):
    code = "decision_comment_invalid"


class RulingUnknown(Invalid):
    code = "ruling_unknown"


def safety_approval_next(*, reviewer: AbstractBaseUser, task_id: int) -> SafetyLabel | None:
    """The oldest label of the task awaiting approval that the reviewer neither wrote nor
    decided on; None when there is none.

    :raises NotAReviewer: if the person does not review the task.
    :raises ReviewCredentialInactive: without an active safety-review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    """
    task = task_for_review(task_id=task_id)
    check_reviewer(user=reviewer, task=task)
    voted = SafetyApproval.objects.filter(label=OuterRef("pk"), reviewer_id=reviewer.pk,
                                          withdrawn_at=None) \
        .exclude(adjudication=False, decision=SafetyApproval.Decision.ESCALATE)
    theirs = Q(annotator_id=reviewer.pk) | Q(Exists(voted))
    # Through the (task, status) index first; labels once approved and now short of counted
    # approvals (a requirement raised, an approver suspended) are rare and scanned last.
    waiting = (SafetyLabel.objects.filter(task_id=task.pk, status=SafetyLabel.Status.SUBMITTED)
               .exclude(theirs).order_by("submitted_at", "pk").first())
    if waiting is not None:
        return waiting
    return (awaiting_approval(task_id=task.pk, required=max(task.required_approvals, 1))
            .filter(status=SafetyLabel.Status.APPROVED).exclude(theirs)
            .order_by("submitted_at", "pk").first())


def _label_and_task(label_id: int) -> tuple[SafetyLabel, Task]:
    label = SafetyLabel.objects.filter(pk=label_id).first()
    if label is None:
        raise NotAReviewer("No such label among those you review.")
    return label, task_for_review(task_id=label.task_id)


def _comment(comment: str, *, required: bool, what: str) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise DecisionCommentInvalid(f"Say why you {what}.", detail={"comment": ["Required."]})
    if len(comment) > MAX_COMMENT:
        raise DecisionCommentInvalid(f"The comment is at most {MAX_COMMENT} characters.")
    return comment


def _after_decision(*, actor: AbstractBaseUser, label: SafetyLabel, approval: SafetyApproval,
                    action: str) -> None:
    """Here, after the safety commit: audit the decision; a rejected label's item goes back
    to the pool; an approved label naming illegal content invalidates every batch holding the
    same content; the annotator's quality is measured again."""
    with transaction.atomic():
        record_event(actor=actor, action=action, target_type="safety_approval",
                     target_id=approval.pk,
                     data={"label": label.pk, "task": label.task_id, "item": label.item_id,
                           "decision": approval.decision, "status": label.status,
                           "credential": approval.credential_id})
        if label.status == SafetyLabel.Status.REJECTED:
            safety_leases_supersede(lease_ids=[label.lease_id])
        content_invalidate(label=label)
        # Safety labels are made in safety tasks only.
        enqueue_on_commit("review.tasks.evaluate_quality", user_id=label.annotator_id,
                          kind=CredentialKind.SAFETY_ANNOTATE)


@transaction_required
def content_invalidate(*, label: SafetyLabel) -> list[BatchDecision]:
    """In the caller's transaction: once a safety label naming illegal content (A.1 to A.4)
    is approved, invalidate every functional batch, in any task, that holds an item with the
    same content, with the label as the evidence. Batches already invalidated are left; a
    batch already exported is marked for withdrawal of its labels. Returns the decisions."""
    if label.status != SafetyLabel.Status.APPROVED or not illegal_codes(codes=label.risk_codes):
        return []
    checksum = Item.objects.filter(pk=label.item_id).values_list("checksum", flat=True).first()
    if checksum is None:
        return []
    holding = {}
    for item_id, batch_id in Item.objects.filter(checksum=checksum,
                                                 task__kind=RuleSet.Kind.FUNCTIONAL) \
            .exclude(batch__state=Batch.State.INVALIDATED).values_list("pk", "batch_id"):
        holding.setdefault(batch_id, []).append(item_id)
    decisions = []
    for batch in batch_qs_select_for_update().filter(pk__in=holding).order_by("pk"):
        if batch.state == Batch.State.INVALIDATED:
            continue
        decisions.append(batch_invalidate(
            batch=batch, cause=BatchDecision.Cause.SAFETY_LABEL, item_ids=holding[batch.pk],
            evidence_extra={"safety_label": label.pk, "safety_task": label.task_id,
                            "safety_item": label.item_id}))
    return decisions


def safety_label_approve(*, reviewer: AbstractBaseUser, label_id: int,
                         comment: str = "") -> SafetyLabel:
    """Approve a label; it is approved once the task's number of reviewers did.

    :raises NotAReviewer: if the label is not of a task the person reviews.
    :raises ReviewCredentialInactive: without an active safety-review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    :raises DecisionCommentInvalid: for a comment that is too long.
    :raises SafetyLabelNotOpen: if the label takes no decision now.
    :raises SafetyLabelIsOwn: if the person labelled it.
    :raises SafetyLabelAlreadyDecided: if the person already decided on it.
    """
    return _decide(reviewer=reviewer, label_id=label_id,
                   decision=SafetyApproval.Decision.APPROVE, comment=comment, required=False)


def safety_label_reject(*, reviewer: AbstractBaseUser, label_id: int,
                        comment: str) -> SafetyLabel:
    """Reject a label with a reason: its item goes back for a new label, unless another
    reviewer approved it, when the label goes to a manager.

    :raises NotAReviewer: if the label is not of a task the person reviews.
    :raises ReviewCredentialInactive: without an active safety-review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    :raises DecisionCommentInvalid: without a reason, or with one that is too long.
    :raises SafetyLabelNotOpen: if the label takes no decision now.
    :raises SafetyLabelIsOwn: if the person labelled it.
    :raises SafetyLabelAlreadyDecided: if the person already decided on it.
    """
    return _decide(reviewer=reviewer, label_id=label_id,
                   decision=SafetyApproval.Decision.REJECT, comment=comment, required=True)


def _decide(*, reviewer: AbstractBaseUser, label_id: int, decision: str, comment: str,
            required: bool) -> SafetyLabel:
    label, task = _label_and_task(label_id)
    check_reviewer(user=reviewer, task=task)
    comment = _comment(comment, required=required,
                       what="reject the label" if decision == SafetyApproval.Decision.REJECT
                       else "approve the label")
    credential = review_credential(user=reviewer, task=task)
    if credential is None:
        raise ReviewCredentialInactive("You hold no active safety review credential now.")
    label, approval = safety_label_decide(
        label_id=label.pk, reviewer_id=reviewer.pk, decision=decision, comment=comment,
        required_approvals=max(task.required_approvals, 1), now=timezone.now(),
        credential_id=credential.pk, credential_status=credential.status)
    _after_decision(actor=reviewer, label=label, approval=approval,
                    action=f"safety_label.{decision}")
    return label


def safety_label_escalate_to_manager(*, reviewer: AbstractBaseUser, label_id: int,
                                     comment: str) -> SafetyLabel:
    """A reviewer unsure of a label asks a manager to rule on it, with a reason.

    :raises NotAReviewer: if the label is not of a task the person reviews.
    :raises ReviewCredentialInactive: without an active safety-review credential.
    :raises RulesNotAcknowledged: without the acknowledgement of the task's rules.
    :raises DecisionCommentInvalid: without a reason, or with one that is too long.
    :raises SafetyLabelNotOpen: if the label takes no decision now.
    :raises SafetyLabelIsOwn: if the person labelled it.
    :raises SafetyLabelAlreadyDecided: if the person already decided on it.
    """
    label, task = _label_and_task(label_id)
    check_reviewer(user=reviewer, task=task)
    comment = _comment(comment, required=True, what="escalate the label")
    label, request = safety_label_escalate(
        label_id=label.pk, reviewer_id=reviewer.pk, comment=comment, now=timezone.now(),
        required_approvals=max(task.required_approvals, 1))
    _after_decision(actor=reviewer, label=label, approval=request,
                    action="safety_label.escalate")
    return label


def safety_label_rule(*, manager: AbstractBaseUser, label_id: int, decision: str,
                      comment: str) -> SafetyLabel:
    """A manager adjudicates an escalated label: approve or reject, saying why.

    :raises NotAReviewer: without the permission to adjudicate, or if there is no such label.
    :raises RulingUnknown: for a decision other than approve or reject.
    :raises DecisionCommentInvalid: without a reason, or with one that is too long.
    :raises SafetyLabelNotEscalated: if the label is not escalated.
    :raises SafetyLabelManagerInvolved: if the manager labelled or reviewed it.
    """
    if not can_adjudicate(actor=manager):
        raise NotAReviewer("No such label among those you review.")
    if decision not in (SafetyApproval.Decision.APPROVE, SafetyApproval.Decision.REJECT):
        raise RulingUnknown("Decide approve or reject.", detail={"decision": ["Unknown."]})
    label, task = _label_and_task(label_id)
    comment = _comment(comment, required=True, what="rule so")
    label, ruling = safety_label_adjudicate(
        label_id=label.pk, manager_id=manager.pk, decision=decision, comment=comment,
        required_approvals=max(task.required_approvals, 1), now=timezone.now())
    _after_decision(actor=manager, label=label, approval=ruling,
                    action="safety_label.adjudicated")
    return label


def safety_approvals_withdraw_for(*, credential_ids: list[int], reason: str) -> int:
    """Withdraw the approvals given under these safety-review credentials (revoked, or
    suspended by a quality signal) of labels not yet exported; labels left short of approvals
    go back to the approval queue. Audited here after the safety commit (the reconciler
    writes an event a crash left out); returns how many were withdrawn (none the second
    time)."""
    required = dict(Task.objects.filter(kind=RuleSet.Kind.SAFETY)
                    .values_list("pk", "required_approvals"))
    withdrawn = safety_approvals_withdraw(credential_ids=credential_ids, reason=reason,
                                          now=timezone.now(), required_by_task=required)
    if withdrawn:
        _audit_withdrawals(withdrawn, reason=reason)
    return len(withdrawn)


def _audit_withdrawals(approvals: list[SafetyApproval], *, reason: str) -> None:
    by_reviewer: dict[int, list[SafetyApproval]] = {}
    for approval in approvals:
        by_reviewer.setdefault(approval.reviewer_id, []).append(approval)
    with transaction.atomic():
        for reviewer_id, theirs in sorted(by_reviewer.items()):
            record_event(actor=None, action="safety_approval.withdrawn",
                         target_type="auth.user", target_id=reviewer_id,
                         data={"reason": reason, "approvals": [a.pk for a in theirs],
                               "labels": sorted({a.label_id for a in theirs}),
                               "credentials": sorted({a.credential_id for a in theirs})})


def _withdrawing_credentials() -> dict[int, str]:
    """Safety-review credentials revoked, or suspended by a quality signal, with why: the
    approvals given under them, of labels not yet exported, no longer count."""
    return credentials_withdrawing_approvals(kind=CredentialKind.SAFETY_REVIEW)


def _unaudited_withdrawals(since) -> list[SafetyApproval]:
    """Approvals withdrawn since ``since`` whose withdrawal the trail does not show (a crash
    between the safety commit and the audit event)."""
    withdrawn = list(SafetyApproval.objects.filter(withdrawn_at__gte=since))
    if not withdrawn:
        return []
    audited = {approval_id for data in audit_event_data_since(
        actions=["safety_approval.withdrawn", "safety_approval.withdrawal_reconciled"],
        since=since - timedelta(minutes=5))
        for approval_id in data.get("approvals", [])}
    return [approval for approval in withdrawn if approval.pk not in audited]


def safety_decisions_reconcile(*, since_hours: int = 48) -> int:
    """Repair a crash between a decision's commit in the safety database and its follow-up
    here: write the missing audit event and invalidate the batches of content an approved
    label found illegal; send back the item of a rejected or withdrawn label whose lease is
    still closed as labelled; withdraw the approvals of reviewers whose credential was
    revoked or quality-suspended. Returns how many decisions were repaired."""
    since = timezone.now() - timedelta(hours=since_hours)
    approvals = list(SafetyApproval.objects.filter(created_at__gte=since)
                     .select_related("label"))
    audited = audit_targets_recorded(target_type="safety_approval",
                                     target_ids=[approval.pk for approval in approvals])
    repaired = 0
    for approval in approvals:
        if str(approval.pk) in audited:
            continue
        with transaction.atomic():
            record_event(actor=None, action="safety_label.reconciled",
                         target_type="safety_approval", target_id=approval.pk,
                         data={"label": approval.label_id, "decision": approval.decision,
                               "reviewer_id": approval.reviewer_id,
                               "status": approval.label.status})
            content_invalidate(label=approval.label)
        repaired += 1
    # A quality suspension whose withdrawal never ran (it runs after the suspension commits).
    suspended = users_suspended_for_quality(kind=CredentialKind.SAFETY_ANNOTATE)
    pending = set(SafetyLabel.objects.filter(annotator_id__in=suspended,
                                             status=SafetyLabel.Status.SUBMITTED)
                  .exclude(Exists(SafetyApproval.objects.filter(label=OuterRef("pk"))))
                  .values_list("annotator_id", flat=True))
    for user_id in sorted(pending):
        repaired += safety_work_return(user_id=user_id)
    for credential_id, reason in sorted(_withdrawing_credentials().items()):
        repaired += safety_approvals_withdraw_for(credential_ids=[credential_id], reason=reason)
    if unaudited := _unaudited_withdrawals(since):
        _audit_withdrawals(unaudited, reason="withdrawn before a crash; audited by the "
                                             "reconciler")
        repaired += len(unaudited)
    withdrawn = list(SafetyLabel.objects.filter(
        submitted_at__gte=since - timedelta(days=30),
        status__in=[SafetyLabel.Status.REJECTED, SafetyLabel.Status.SUPERSEDED])
        .values_list("lease_id", flat=True))
    with transaction.atomic():
        repaired += safety_leases_supersede(lease_ids=withdrawn)
    return repaired
