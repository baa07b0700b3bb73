"""The safety approval queue: every safety label needs the task's number of approvals from
distinct reviewers of the task, never its annotator, each under an active safety-review
credential recorded on the approval; disagreements go to a manager.

Decisions are committed in the safety database first; the audit event and any change here
(the item going back to the pool, batches holding content found illegal invalidated) follow
right after, and ``safety_decisions_reconcile`` repairs a crash between the two.
"""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotation.models import Batch, Item, Task
from annotation.services.rework import batch_qs_select_for_update, safety_leases_supersede
from annotators.models import Credential, CredentialKind
from audit.models import AuditEvent
from audit.services import record_event
from config.celery import enqueue_on_commit
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import (
    awaiting_approval,
    safety_approvals_withdraw,
    safety_label_adjudicate,
    safety_label_decide,
    safety_label_escalate,
)

from ..models import BatchDecision
from .checks import batch_invalidate, illegal_codes
from .common import (
    NotAReviewer,
    ReviewInvalid,
    ReviewRefused,
    check_reviewer,
    review_credential,
    task_for_review,
)
from .quality import safety_work_return

MAX_COMMENT = 2000
ADJUDICATE = "review.adjudicate_safety_labels"


def safety_approval_next(*, reviewer: AbstractBaseUser, task_id: int) -> SafetyLabel | None:
    """The oldest label of the task awaiting approval that the reviewer neither wrote nor
    decided on; None when there is none."""
    task = task_for_review(task_id)
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
    return label, task_for_review(label.task_id)


def _comment(comment: str, *, required: bool, what: str) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ReviewInvalid(f"Say why you {what}.", detail={"comment": ["Required."]})
    if len(comment) > MAX_COMMENT:
        raise ReviewInvalid(f"The comment is at most {MAX_COMMENT} characters.")
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
        enqueue_on_commit("review.tasks.evaluate_quality", user_id=label.annotator_id,
                          kind="safety_annotate")


def content_invalidate(*, label: SafetyLabel) -> list[BatchDecision]:
    """In the caller's transaction: once a safety label naming illegal content (A.1 to A.4)
    is approved, invalidate every functional batch, in any task, that holds an item with the
    same content, with the label as the evidence. Batches already invalidated are left; a
    batch already exported is marked for withdrawal of its labels. Returns the decisions."""
    if label.status != SafetyLabel.Status.APPROVED or not illegal_codes(label.risk_codes):
        return []
    checksum = Item.objects.filter(pk=label.item_id).values_list("checksum", flat=True).first()
    if checksum is None:
        return []
    holding = {}
    for item_id, batch_id in Item.objects.filter(checksum=checksum, task__kind="functional") \
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
    """Approve a label; it is approved once the task's number of reviewers did."""
    return _decide(reviewer, label_id, SafetyApproval.Decision.APPROVE, comment,
                   required=False)


def safety_label_reject(*, reviewer: AbstractBaseUser, label_id: int,
                        comment: str) -> SafetyLabel:
    """Reject a label with a reason: its item goes back for a new label, unless another
    reviewer approved it, when the label goes to a manager."""
    return _decide(reviewer, label_id, SafetyApproval.Decision.REJECT, comment,
                   required=True)


def _decide(reviewer: AbstractBaseUser, label_id: int, decision: str, comment: str, *,
            required: bool) -> SafetyLabel:
    label, task = _label_and_task(label_id)
    check_reviewer(user=reviewer, task=task)
    comment = _comment(comment, required=required,
                       what="reject the label" if decision == SafetyApproval.Decision.REJECT
                       else "approve the label")
    credential = review_credential(user=reviewer, task=task)
    if credential is None:
        raise ReviewRefused("You hold no active safety review credential now.")
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
    :raises ReviewInvalid: without a reason.
    :raises SafetyDecisionConflict: if the label takes no decision now.
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
    """A manager adjudicates an escalated label."""
    if not manager.has_perm(ADJUDICATE):
        raise NotAReviewer("No such label among those you review.")
    if decision not in (SafetyApproval.Decision.APPROVE, SafetyApproval.Decision.REJECT):
        raise ReviewInvalid("Decide approve or reject.", detail={"decision": ["Unknown."]})
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
    required = dict(Task.objects.filter(kind="safety").values_list("pk", "required_approvals"))
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
    rows = Credential.objects.filter(kind=CredentialKind.SAFETY_REVIEW).filter(
        Q(status=Credential.Status.REVOKED)
        | Q(status=Credential.Status.SUSPENDED,
            suspension_cause=Credential.SuspensionCause.QUALITY))
    return {pk: f"credential {pk} {status}" for pk, status in rows.values_list("pk", "status")}


def _unaudited_withdrawals(since) -> list[SafetyApproval]:
    """Approvals withdrawn since ``since`` whose withdrawal the trail does not show (a crash
    between the safety commit and the audit event)."""
    withdrawn = list(SafetyApproval.objects.filter(withdrawn_at__gte=since))
    if not withdrawn:
        return []
    audited = {approval_id for data in AuditEvent.objects.filter(
        action__in=["safety_approval.withdrawn", "safety_approval.withdrawal_reconciled"],
        created_at__gte=since - timedelta(minutes=5)).values_list("data", flat=True)
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
    audited = set(AuditEvent.objects.filter(
        target_type="safety_approval", target_id__in=[str(a.pk) for a in approvals])
        .values_list("target_id", flat=True))
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
    suspended = set(Credential.objects.filter(
        kind=CredentialKind.SAFETY_ANNOTATE, status=Credential.Status.SUSPENDED,
        suspension_cause=Credential.SuspensionCause.QUALITY).values_list("user_id", flat=True))
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
