"""Writes of the segregated store. Rows refer to the main database by id only; the caller
(the annotation app) has checked those ids, and this app checks the label itself."""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q

from config.errors import ApplicationError, NotFound
from rules.models import RiskCategory

from .models import COUNTED_APPROVAL, SafetyApproval, SafetyLabel, VerdictRisk

SAFETY_DB = "safety"
MAX_SPANS = 200
MAX_NOTE = 5000


class InvalidSafetyLabel(ApplicationError):
    code = "invalid"
    http_status = 400


def _valid_codes(codes: list) -> list[str]:
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise InvalidSafetyLabel("Risk codes are a list such as [\"A.1.a\"].")
    known = set(RiskCategory.objects.values_list("code", flat=True))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InvalidSafetyLabel(f"Unknown risk codes: {', '.join(unknown)}. Codes run from "
                                 "A.1.a to A.5.b.", detail={"risk_codes": unknown})
    return sorted(set(codes))


def _valid_spans(spans: list, codes: list[str], text_length: int) -> list[dict]:
    if not isinstance(spans, list) or len(spans) > MAX_SPANS:
        raise InvalidSafetyLabel(f"Spans are a list of at most {MAX_SPANS}.")
    clean = []
    for index, span in enumerate(spans, start=1):
        if not isinstance(span, dict):
            raise InvalidSafetyLabel(f"Span {index} is not an object.")
        start, end, code = span.get("start"), span.get("end"), span.get("code")
        if not (isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= text_length):
            raise InvalidSafetyLabel(f"Span {index} must run from 0 to {text_length}, start "
                                     "before end.")
        if code is not None and code not in codes:
            raise InvalidSafetyLabel(f"Span {index} names {code}, which the label does not.")
        clean.append({"start": start, "end": end, **({"code": code} if code else {})})
    return clean


def safety_label_submit(*, lease_id: int, task_id: int, item_id: int, annotator_id: int,
                        rule_version_id: int, client_id: uuid.UUID, risk_codes: list,
                        no_risk: bool, spans: list, note: str, text_length: int,
                        started_at: datetime, submitted_at: datetime,
                        too_fast: bool) -> tuple[SafetyLabel, bool]:
    """Commit a safety label, awaiting approval, in the safety database.

    Submitting again for the same lease or client id returns the stored label and creates
    nothing. Returns the label and whether it was created now.

    :raises InvalidSafetyLabel: for unknown codes, codes together with "no risk", neither,
        or spans outside the text.
    """
    existing = SafetyLabel.objects.filter(lease_id=lease_id).first() or \
        SafetyLabel.objects.filter(annotator_id=annotator_id, client_id=client_id).first()
    if existing is not None:
        return existing, False
    codes = _valid_codes(risk_codes)
    if no_risk and codes:
        raise InvalidSafetyLabel("Choose risk codes or \"no risk\", not both.")
    if not no_risk and not codes:
        raise InvalidSafetyLabel("Choose the risk codes present, or \"no risk\" explicitly.")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidSafetyLabel(f"The note is text of at most {MAX_NOTE} characters.")
    label = SafetyLabel(
        task_id=task_id, item_id=item_id, lease_id=lease_id, annotator_id=annotator_id,
        rule_version_id=rule_version_id, client_id=client_id, risk_codes=codes,
        no_risk=bool(no_risk), spans=_valid_spans(spans, codes, text_length), note=note,
        started_at=started_at, submitted_at=submitted_at, too_fast=too_fast)
    try:
        with transaction.atomic(using=SAFETY_DB):
            label.save(using=SAFETY_DB)
    except IntegrityError:
        # A concurrent retry of the same submission won the race: return its label.
        return SafetyLabel.objects.get(lease_id=lease_id), False
    return label, True


class SafetyDecisionConflict(ApplicationError):
    code = "safety_decision_conflict"
    http_status = 409


class SafetyLabelNotFound(NotFound):
    code = "safety_label_not_found"


def _lock_label(label_id: int) -> SafetyLabel:
    label = SafetyLabel.objects.select_for_update().filter(pk=label_id).first()
    if label is None:
        raise SafetyLabelNotFound(f"Safety label {label_id} does not exist.")
    return label


def _refuse_second_vote(label: SafetyLabel, reviewer_id: int) -> None:
    """A reviewer approves or rejects a label once, and never one they ruled on as a
    manager; asking a manager for a ruling is not a vote."""
    mine = label.approvals.filter(reviewer_id=reviewer_id)
    if mine.filter(adjudication=True).exists():
        raise SafetyDecisionConflict("You ruled on this label as a manager; other reviewers "
                                     "decide it.")
    if mine.filter(adjudication=False, withdrawn_at=None).exclude(
            decision=SafetyApproval.Decision.ESCALATE).exists():
        raise SafetyDecisionConflict("You already decided on this label; a reviewer "
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


def counted_approvals(label: SafetyLabel) -> int:
    """Distinct reviewers whose approval of the label counts (invariant 5)."""
    return (label.approvals.filter(COUNTED_APPROVAL).exclude(reviewer_id=label.annotator_id)
            .values("reviewer_id").distinct().count())


def awaiting_approval(*, task_id: int, required: int):
    """Labels of the task that need a reviewer's decision: those submitted, and those once
    approved that no longer have enough counted approvals (the task came to ask for more)."""
    counted = Count("approvals__reviewer_id", distinct=True, filter=Q(
        approvals__adjudication=False, approvals__decision=SafetyApproval.Decision.APPROVE,
        approvals__withdrawn_at=None, approvals__credential_id__isnull=False)
        & ~Q(approvals__reviewer_id=F("annotator_id")))
    return (SafetyLabel.objects.filter(task_id=task_id).annotate(counted=counted)
            .filter(Q(status=SafetyLabel.Status.SUBMITTED)
                    | Q(status=SafetyLabel.Status.APPROVED, counted__lt=required)))


def _lock_open_label(*, label_id: int, reviewer_id: int, required_approvals: int,
                     verb: str) -> SafetyLabel:
    """Lock a label that takes a reviewer's decision now: awaiting approval (or approved but
    short of counted approvals), not the reviewer's own, not already decided by them."""
    label = _lock_label(label_id)
    short = label.status == SafetyLabel.Status.APPROVED and \
        counted_approvals(label) < required_approvals
    if label.status != SafetyLabel.Status.SUBMITTED and not short:
        raise SafetyDecisionConflict(
            f"This label is {label.get_status_display().lower()}; it cannot be {verb}.")
    if label.annotator_id == reviewer_id:
        raise SafetyDecisionConflict("Nobody reviews their own label.")
    _refuse_second_vote(label, reviewer_id)
    return label


def safety_label_decide(*, label_id: int, reviewer_id: int, decision: str, comment: str,
                        required_approvals: int, now: datetime, credential_id: int,
                        credential_status: str) -> tuple[SafetyLabel, SafetyApproval]:
    """Record one reviewer's approval or rejection under a lock on the label, with the
    credential they hold now, and settle the label: approved once ``required_approvals``
    distinct reviewers approve; rejected by a rejection when nobody approved yet; escalated
    when reviewers disagree.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyDecisionConflict: if the label is no longer awaiting approval, if the
        reviewer is its annotator, or already decided on it.
    """
    with transaction.atomic(using=SAFETY_DB):
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
        elif counted_approvals(label) >= required_approvals:
            label.status = SafetyLabel.Status.APPROVED
        else:
            label.status = SafetyLabel.Status.SUBMITTED
        label.save(update_fields=["status"])
    return label, approval


def safety_label_escalate(*, label_id: int, reviewer_id: int, comment: str, now: datetime,
                          required_approvals: int = 1) -> tuple[SafetyLabel, SafetyApproval]:
    """A reviewer unsure of a label hands it to a manager; the request is kept beside the
    votes, and the reviewer may still vote once the manager has ruled.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyDecisionConflict: as ``safety_label_decide``.
    """
    with transaction.atomic(using=SAFETY_DB):
        label = _lock_open_label(label_id=label_id, reviewer_id=reviewer_id,
                                 required_approvals=required_approvals, verb="escalated")
        request = SafetyApproval.objects.create(
            label=label, reviewer_id=reviewer_id, decision=SafetyApproval.Decision.ESCALATE,
            comment=comment, created_at=now)
        label.status = SafetyLabel.Status.ESCALATED
        label.save(update_fields=["status"])
    return label, request


def safety_label_adjudicate(*, label_id: int, manager_id: int, decision: str, comment: str,
                            required_approvals: int,
                            now: datetime) -> tuple[SafetyLabel, SafetyApproval]:
    """A manager's ruling on an escalated label. Rejecting rejects it; approving overrules
    the rejections, and the label is approved once enough reviewers approved, or else waits
    for more reviewers. The ruling never counts as an approval itself.

    :raises SafetyLabelNotFound: if there is no such label.
    :raises SafetyDecisionConflict: if the label is not escalated, or the manager labelled or
        reviewed it.
    """
    with transaction.atomic(using=SAFETY_DB):
        label = _lock_label(label_id)
        if label.status != SafetyLabel.Status.ESCALATED:
            raise SafetyDecisionConflict("Only an escalated label is adjudicated.")
        if label.annotator_id == manager_id or label.approvals.filter(
                reviewer_id=manager_id, adjudication=False).exists():
            raise SafetyDecisionConflict("You labelled or reviewed this label; another "
                                         "manager rules on it.")
        ruling = SafetyApproval.objects.create(label=label, reviewer_id=manager_id,
                                               decision=decision, comment=comment,
                                               adjudication=True, created_at=now)
        if decision == SafetyApproval.Decision.REJECT:
            label.status = SafetyLabel.Status.REJECTED
        else:
            label.status = SafetyLabel.Status.APPROVED \
                if counted_approvals(label) >= required_approvals \
                else SafetyLabel.Status.SUBMITTED
        label.save(update_fields=["status"])
    return label, ruling


def safety_labels_withdraw(*, annotator_id: int) -> list[int]:
    """Withdraw the person's labels that no reviewer has decided on yet (a quality failure);
    returns their lease ids so that the items go back to the pool."""
    with transaction.atomic(using=SAFETY_DB):
        labels = SafetyLabel.objects.select_for_update().filter(
            annotator_id=annotator_id, status=SafetyLabel.Status.SUBMITTED).exclude(
            Exists(SafetyApproval.objects.filter(label=OuterRef("pk"))))
        lease_ids = list(labels.values_list("lease_id", flat=True))
        SafetyLabel.objects.filter(lease_id__in=lease_ids).update(
            status=SafetyLabel.Status.SUPERSEDED)
    return lease_ids


def safety_approvals_withdraw(*, credential_ids: list[int], reason: str, now: datetime,
                              required_by_task: dict[int, int]) -> list[SafetyApproval]:
    """Withdraw the counted approvals given under these credentials (revoked, or suspended
    by a quality signal) of labels not yet exported. A label approved that no longer has the
    approvals its task needs (``required_by_task``) goes back to the approval queue. Returns
    the approvals withdrawn; withdrawing again changes nothing."""
    with transaction.atomic(using=SAFETY_DB):
        approvals = list(SafetyApproval.objects.select_for_update(of=("self",))
                         .filter(COUNTED_APPROVAL, credential_id__in=credential_ids,
                                 label__first_exported_at=None).order_by("pk"))
        for approval in approvals:
            approval.withdrawn_at = now
            approval.withdrawn_reason = reason[:300]
            approval.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        for label_id in sorted({approval.label_id for approval in approvals}):
            label = _lock_label(label_id)
            required = max(required_by_task.get(label.task_id, 1), 1)
            if label.status == SafetyLabel.Status.APPROVED and \
                    counted_approvals(label) < required:
                label.status = SafetyLabel.Status.SUBMITTED
                label.save(update_fields=["status"])
    return approvals


def safety_labels_mark_exported(*, label_ids: list[int], at: datetime) -> int:
    """Record that an export carried these labels out; the first export counts."""
    marked = 0
    for start in range(0, len(label_ids), 1000):
        marked += SafetyLabel.objects.filter(pk__in=label_ids[start:start + 1000],
                                             first_exported_at=None) \
            .update(first_exported_at=at)
    return marked


def verdict_risks_record(*, check_id: int, task_id: int, item_id: int, risk_codes: list[str],
                         now: datetime) -> VerdictRisk | None:
    """Keep the risk categories named in a verdict on a sampled label, committed here before
    the verdict is in the main database; the verdict then names the row. None when the
    verdict names none."""
    if not risk_codes:
        return None
    return VerdictRisk.objects.create(check_id=check_id, task_id=task_id, item_id=item_id,
                                      risk_codes=sorted(set(risk_codes)), created_at=now)
