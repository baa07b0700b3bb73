"""The safety approval queue: every safety label needs the task's number of approvals from
distinct reviewers of the task, never its annotator; disagreements go to a manager.

Decisions are committed in the safety database first; the audit event and any change here
(the item going back to the pool) follow right after.
"""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotation.models import Task
from annotation.services.rework import safety_leases_supersede
from annotators.models import Credential, CredentialKind
from audit.models import AuditEvent
from audit.services import record_event
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import (
    awaiting_approval,
    safety_label_adjudicate,
    safety_label_decide,
    safety_label_escalate,
)

from .common import (
    NotAReviewer,
    ReviewInvalid,
    check_reviewer,
    disqualified_safety_reviewers,
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
    voted = SafetyApproval.objects.filter(label=OuterRef("pk"), reviewer_id=reviewer.pk) \
        .exclude(adjudication=False, decision=SafetyApproval.Decision.ESCALATE)
    theirs = Q(annotator_id=reviewer.pk) | Q(Exists(voted))
    # Through the (task, status) index first; labels once approved and now short of counted
    # approvals (a requirement raised, an approver suspended) are rare and scanned last.
    waiting = (SafetyLabel.objects.filter(task_id=task.pk, status=SafetyLabel.Status.SUBMITTED)
               .exclude(theirs).order_by("submitted_at", "pk").first())
    if waiting is not None:
        return waiting
    return (awaiting_approval(task_id=task.pk, required=max(task.required_approvals, 1),
                              disqualified=disqualified_safety_reviewers())
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
    to the pool; the annotator's quality is measured again."""
    from ..tasks import evaluate_quality

    with transaction.atomic():
        record_event(actor=actor, action=action, target_type="safety_approval",
                     target_id=approval.pk,
                     data={"label": label.pk, "task": label.task_id, "item": label.item_id,
                           "decision": approval.decision, "status": label.status})
        if label.status == SafetyLabel.Status.REJECTED:
            safety_leases_supersede(lease_ids=[label.lease_id])
        annotator_id = label.annotator_id
        transaction.on_commit(lambda: evaluate_quality.delay(user_id=annotator_id,
                                                             kind="safety_annotate"))


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
    comment = _comment(comment, required=required, what="reject the label")
    label, approval = safety_label_decide(
        label_id=label.pk, reviewer_id=reviewer.pk, decision=decision, comment=comment,
        required_approvals=max(task.required_approvals, 1), now=timezone.now(),
        disqualified=frozenset(disqualified_safety_reviewers()))
    _after_decision(actor=reviewer, label=label, approval=approval,
                    action=f"safety_label.{decision}")
    return label


def safety_label_escalate_to_manager(*, reviewer: AbstractBaseUser, label_id: int,
                                     comment: str) -> SafetyLabel:
    label, task = _label_and_task(label_id)
    check_reviewer(user=reviewer, task=task)
    comment = _comment(comment, required=True, what="escalate the label")
    label, request = safety_label_escalate(
        label_id=label.pk, reviewer_id=reviewer.pk, comment=comment, now=timezone.now(),
        required_approvals=max(task.required_approvals, 1),
        disqualified=frozenset(disqualified_safety_reviewers()))
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
        required_approvals=max(task.required_approvals, 1), now=timezone.now(),
        disqualified=frozenset(disqualified_safety_reviewers()))
    _after_decision(actor=manager, label=label, approval=ruling,
                    action="safety_label.adjudicated")
    return label


def safety_decisions_reconcile(*, since_hours: int = 48) -> int:
    """Repair a crash between a decision's commit in the safety database and its follow-up
    here: write the missing audit event, and send back the item of a rejected or withdrawn
    label whose lease is still closed as labelled. Returns how many decisions were repaired."""
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
    withdrawn = list(SafetyLabel.objects.filter(
        submitted_at__gte=since - timedelta(days=30),
        status__in=[SafetyLabel.Status.REJECTED, SafetyLabel.Status.SUPERSEDED])
        .values_list("lease_id", flat=True))
    with transaction.atomic():
        repaired += safety_leases_supersede(lease_ids=withdrawn)
    return repaired
