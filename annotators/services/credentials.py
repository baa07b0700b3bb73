"""Credentials: one state machine (``Credential.TRANSITIONS``), and every move through it."""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from config.errors import Conflict, NotFound
from config.transactions import transaction_required

from ..models import (
    Assignment,
    Course,
    Credential,
    CredentialEvent,
    CredentialKind,
    CredentialPolicy,
    ExamAttempt,
)
from ..signals import credential_stopped, send_disqualified_on_commit
from .common import PersonNotFound, WorkforceInvalid, require_workforce_manager
from .locks import assignment_qs_select_for_update, credential_qs_select_for_update
from .setup import CourseNotFound


class CredentialTransitionRefused(Conflict):
    code = "credential_transition_refused"


class CredentialNotFound(NotFound):
    code = "credential_not_found"


class ReasonRequired(WorkforceInvalid):
    code = "reason_required"


class SuspensionEndNotInFuture(WorkforceInvalid):
    code = "suspension_end_not_in_future"


class CredentialKindUnknown(WorkforceInvalid):
    code = "credential_kind_unknown"


class DueDateInPast(WorkforceInvalid):
    code = "due_date_in_past"


class RetrainingCourseMissing(WorkforceInvalid):
    code = "retraining_course_missing"


TRANSITION_VERBS = {
    Credential.Status.SUSPENDED: "suspended",
    Credential.Status.ACTIVE: "reinstated",
    Credential.Status.REVOKED: "revoked",
    Credential.Status.EXPIRED: "expired",
}


def _lock(credential_id: int) -> Credential:
    credential = credential_qs_select_for_update().filter(pk=credential_id).first()
    if credential is None:
        raise CredentialNotFound(f"There is no credential {credential_id}.")
    return credential


def _history(credential: Credential, *, action: str, from_status: str, actor, reason: str,
             data: dict[str, Any] | None = None) -> None:
    CredentialEvent.objects.create(credential=credential, action=action, from_status=from_status,
                                   to_status=credential.status, actor=actor, reason=reason,
                                   data=data or {}, created_at=timezone.now())
    record_event(actor=actor, action=f"credential.{action}", target=credential,
                 data={"user_id": credential.user_id, "kind": credential.kind,
                       "from": from_status, "to": credential.status, "reason": reason,
                       **(data or {})})


def _refuse(credential: Credential, to_status: str) -> CredentialTransitionRefused:
    verb = TRANSITION_VERBS[Credential.Status(to_status)]
    if credential.status == to_status:
        message = f"Credential {credential.pk} is already {credential.status}."
    elif credential.status in (Credential.Status.REVOKED, Credential.Status.EXPIRED):
        message = (f"Credential {credential.pk} is {credential.status}; a {credential.status} "
                   f"credential cannot be {verb}. A new exam issues a new credential.")
    else:
        message = f"Credential {credential.pk} is {credential.status} and cannot be {verb}."
    return CredentialTransitionRefused(message)


@transaction_required
def transition(*, credential: Credential, to_status: str, actor: AbstractBaseUser | None,
               reason: str, action: str | None = None, extra_fields: tuple[str, ...] = (),
               data: dict[str, Any] | None = None) -> None:
    """Move a locked credential along the state machine and write its history and audit, in
    the caller's transaction.

    :raises CredentialTransitionRefused: if the state machine forbids the move.
    """
    if not credential.can_transition_to(to_status):
        raise _refuse(credential, to_status)
    from_status = credential.status
    credential.status = to_status
    if to_status == Credential.Status.ACTIVE:
        credential.suspension_cause = ""
        credential.suspension_reason = ""
        credential.suspended_until_date = None
        extra_fields = (*extra_fields, "suspension_cause", "suspension_reason",
                        "suspended_until_date")
    credential.save(update_fields=["status", *extra_fields])
    _history(credential, action=action or TRANSITION_VERBS[Credential.Status(to_status)],
             from_status=from_status, actor=actor, reason=reason, data=data)
    if from_status == Credential.Status.ACTIVE:
        credential_stopped.send(sender=Credential, credential_id=credential.pk,
                                user_id=credential.user_id, kind=credential.kind,
                                status=to_status)
    if to_status == Credential.Status.REVOKED or (
            to_status == Credential.Status.SUSPENDED
            and credential.suspension_cause == Credential.SuspensionCause.QUALITY):
        send_disqualified_on_commit(credential_id=credential.pk, user_id=credential.user_id,
                                    kind=credential.kind, status=to_status)


@transaction_required
def suspend(*, credential: Credential, actor: AbstractBaseUser | None, cause: str, reason: str,
            until_date: date | None = None) -> Credential:
    """Suspend a locked credential in the caller's transaction; suspending a suspended one
    changes nothing.

    :raises CredentialTransitionRefused: if the credential is revoked or expired.
    """
    if credential.status == Credential.Status.SUSPENDED:
        return credential
    credential.suspension_cause = cause
    credential.suspension_reason = reason
    credential.suspended_until_date = until_date
    transition(credential=credential, to_status=Credential.Status.SUSPENDED, actor=actor,
               reason=reason,
               extra_fields=("suspension_cause", "suspension_reason", "suspended_until_date"),
               data={"cause": cause, "until": until_date.isoformat() if until_date else None})
    return credential


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("Give a reason: it is kept in the credential's history.",
                             detail={"reason": ["This field is required."]})
    return reason


@transaction.atomic(durable=True)
def credential_suspend(*, actor: AbstractBaseUser, credential_id: int, reason: str,
                       until_date: date | None = None) -> Credential:
    """Suspend a credential now, optionally until a date after which the sweep reinstates it.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ReasonRequired: if the reason is blank.
    :raises SuspensionEndNotInFuture: if ``until_date`` is today or earlier.
    :raises CredentialNotFound: if there is no such credential.
    :raises CredentialTransitionRefused: if the credential is suspended already, revoked or
        expired.
    """
    require_workforce_manager(actor=actor)
    reason = _required_reason(reason)
    if until_date is not None and until_date <= timezone.localdate():
        raise SuspensionEndNotInFuture("The suspension's end date must be in the future.",
                                       detail={"until_date": ["Pick a later date."]})
    credential = _lock(credential_id)
    if credential.status == Credential.Status.SUSPENDED:
        raise CredentialTransitionRefused(f"Credential {credential.pk} is already suspended.")
    return suspend(credential=credential, actor=actor, cause=Credential.SuspensionCause.MANUAL,
                   reason=reason, until_date=until_date)


@transaction.atomic(durable=True)
def credential_reinstate(*, actor: AbstractBaseUser, credential_id: int,
                         reason: str) -> Credential:
    """Lift a suspension.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ReasonRequired: if the reason is blank.
    :raises CredentialNotFound: if there is no such credential.
    :raises CredentialTransitionRefused: unless the credential is suspended.
    """
    require_workforce_manager(actor=actor)
    reason = _required_reason(reason)
    credential = _lock(credential_id)
    transition(credential=credential, to_status=Credential.Status.ACTIVE, actor=actor,
               reason=reason)
    return credential


@transaction.atomic(durable=True)
def credential_revoke(*, actor: AbstractBaseUser, credential_id: int, reason: str) -> Credential:
    """Revoke a credential for good. A new one needs full retraining, a waiting period and a
    new exam.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ReasonRequired: if the reason is blank.
    :raises CredentialNotFound: if there is no such credential.
    :raises CredentialTransitionRefused: if the credential is already revoked or expired.
    """
    require_workforce_manager(actor=actor)
    reason = _required_reason(reason)
    credential = _lock(credential_id)
    credential.revoked_at = timezone.now()
    transition(credential=credential, to_status=Credential.Status.REVOKED, actor=actor,
               reason=reason, extra_fields=("revoked_at",))
    for assignment in assignment_qs_select_for_update().filter(
            user_id=credential.user_id, kind=credential.kind, status=Assignment.Status.OPEN):
        assignment.status = Assignment.Status.COMPLETED
        assignment.completed_at = timezone.now()
        assignment.save(update_fields=["status", "completed_at"])
    return credential


@transaction_required
def credential_issue_for(attempt: ExamAttempt) -> Credential:
    """Issue (or renew) the credential a passed attempt earns, in the caller's transaction."""
    policy = CredentialPolicy.objects.get(kind=attempt.credential_kind)
    now = timezone.now()
    expires_at = now + timedelta(days=policy.validity_days)
    live = credential_qs_select_for_update().filter(
        user_id=attempt.user_id, kind=attempt.credential_kind,
        status__in=[Credential.Status.ACTIVE, Credential.Status.SUSPENDED]).first()
    _complete_assignments(user_id=attempt.user_id, kind=attempt.credential_kind,
                          type_=Assignment.Type.REASSESSMENT)
    if live is None:
        credential = Credential.objects.create(
            user_id=attempt.user_id, kind=attempt.credential_kind, issued_at=now,
            expires_at=expires_at, assessed_at=now, attempt=attempt)
        _history(credential, action="issued", from_status="", actor=None,
                 reason=f"Passed exam attempt {attempt.pk}.", data={"attempt_id": attempt.pk})
        return credential
    live.expires_at = expires_at
    live.assessed_at = now
    live.attempt = attempt
    live.save(update_fields=["expires_at", "assessed_at", "attempt"])
    _history(live, action="renewed", from_status=live.status, actor=None,
             reason=f"Passed exam attempt {attempt.pk}.", data={"attempt_id": attempt.pk})
    if live.suspension_cause == Credential.SuspensionCause.REASSESSMENT_OVERDUE:
        transition(credential=live, to_status=Credential.Status.ACTIVE, actor=None,
                   reason="Reassessment passed.")
    return live


def _complete_assignments(*, user_id: int, kind: str, type_: str) -> list[Assignment]:
    done = []
    for assignment in assignment_qs_select_for_update().filter(
            user_id=user_id, kind=kind, type=type_, status=Assignment.Status.OPEN):
        assignment.status = Assignment.Status.COMPLETED
        assignment.completed_at = timezone.now()
        assignment.save(update_fields=["status", "completed_at"])
        record_event(actor=None, action="assignment.completed", target=assignment,
                     data={"user_id": user_id, "kind": kind, "type": type_})
        done.append(assignment)
    return done


@transaction_required
def retraining_completed(*, user_id: int, course_id: int) -> None:
    """Close the retraining a finished course satisfies, and lift suspensions it ended, in
    the caller's transaction."""
    kinds = set(Assignment.objects.filter(
        user_id=user_id, course_id=course_id, type=Assignment.Type.RETRAINING,
        status=Assignment.Status.OPEN).values_list("kind", flat=True))
    for kind in kinds:
        _complete_assignments(user_id=user_id, kind=kind, type_=Assignment.Type.RETRAINING)
        credential = credential_qs_select_for_update().filter(
            user_id=user_id, kind=kind, status=Credential.Status.SUSPENDED,
            suspension_cause__in=[Credential.SuspensionCause.RETRAINING_OVERDUE,
                                  Credential.SuspensionCause.QUALITY]).first()
        if credential is not None:
            transition(credential=credential, to_status=Credential.Status.ACTIVE, actor=None,
                       reason="Retraining completed.")


@transaction_required
def assignment_open(*, user_id: int, kind: str, type_: str, source: str, due_date: date,
                     reason: str, actor: AbstractBaseUser | None = None,
                     evidence: dict | None = None,
                     course_id: int | None = None) -> Assignment | None:
    """Open retraining or reassessment owed for a kind, unless one is open already, in the
    caller's transaction; return it, or None if one was open."""
    if Assignment.objects.filter(user_id=user_id, kind=kind, type=type_,
                                 status=Assignment.Status.OPEN).exists():
        return None
    policy = CredentialPolicy.objects.get(kind=kind)
    assignment = Assignment.objects.create(
        user_id=user_id, kind=kind, type=type_, source=source, due_date=due_date,
        course_id=(course_id or policy.course_id) if type_ == Assignment.Type.RETRAINING
        else None, reason=reason,
        evidence=evidence or {}, created_by=actor, created_at=timezone.now())
    record_event(actor=actor, action=f"assignment.{type_}_opened", target=assignment,
                 data={"user_id": user_id, "kind": kind, "source": source,
                       "due_date": due_date.isoformat(), "reason": reason})
    return assignment


@transaction.atomic(durable=True)
def assignment_schedule(*, actor: AbstractBaseUser, user_ids: list[int], kind: str,
                        due_date: date, reason: str,
                        course_id: int | None = None) -> list[Assignment]:
    """Schedule retraining by hand for chosen people, on a course (by default the one the
    kind's policy requires). People who already owe retraining for the kind are skipped.

    :raises WorkforcePermissionDenied: if the actor is not a manager.
    :raises ReasonRequired: if the reason is blank.
    :raises CredentialKindUnknown: if ``kind`` is not a credential kind.
    :raises DueDateInPast: if ``due_date`` is before today.
    :raises RetrainingCourseMissing: if no course is given and the kind's policy names none.
    :raises CourseNotFound: if there is no course ``course_id``.
    :raises PersonNotFound: if any of ``user_ids`` names nobody.
    """
    require_workforce_manager(actor=actor)
    reason = _required_reason(reason)
    if kind not in CredentialKind.values:
        raise CredentialKindUnknown(f"Unknown credential kind {kind!r}.",
                                    detail={"kind": ["Not a credential kind."]})
    if due_date < timezone.localdate():
        raise DueDateInPast("The due date is in the past.",
                            detail={"due_date": ["Pick today or later."]})
    if course_id is None and CredentialPolicy.objects.get(kind=kind).course_id is None:
        raise RetrainingCourseMissing("The policy of this credential kind names no course yet; "
                                      "choose a course.")
    if course_id is not None and not Course.objects.filter(pk=course_id).exists():
        raise CourseNotFound(f"There is no course {course_id}.")
    known = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    if unknown := sorted(set(user_ids) - known):
        raise PersonNotFound(f"There is nobody with the id(s) {unknown}; tick people from the "
                             "list.", detail={"user_ids": unknown})
    created = []
    for user_id in sorted(known):
        assignment = assignment_open(user_id=user_id, kind=kind,
                                      type_=Assignment.Type.RETRAINING,
                                      source=Assignment.Source.MANUAL, due_date=due_date,
                                      reason=reason, actor=actor, course_id=course_id)
        if assignment is not None:
            created.append(assignment)
    return created


@transaction.atomic
def report_quality_failure(*, user: AbstractBaseUser, kind: str,
                           evidence: dict[str, Any]) -> Credential | None:
    """Suspend the person's credential of ``kind`` pending retraining, keeping the evidence.
    Runs in the caller's transaction when there is one (review records its signal with it).

    Returns the credential, or None if the person holds no live one of that kind. Refuses
    nothing: a credential suspended already keeps its suspension, and the retraining is
    opened all the same.
    """
    credential = credential_qs_select_for_update().filter(
        user_id=user.pk, kind=kind,
        status__in=[Credential.Status.ACTIVE, Credential.Status.SUSPENDED]).first()
    if credential is None:
        return None
    reason = "Quality below the policy's threshold; retraining required."
    suspend(credential=credential, actor=None, cause=Credential.SuspensionCause.QUALITY,
            reason=reason)
    assignment_open(user_id=user.pk, kind=kind, type_=Assignment.Type.RETRAINING,
                     source=Assignment.Source.QUALITY, due_date=timezone.localdate(),
                     reason=reason, evidence=evidence)
    record_event(actor=None, action="credential.quality_failure", target=credential,
                 data={"user_id": user.pk, "kind": kind, "evidence": evidence})
    return credential
