"""Errors and the checks every reviewer action makes at the moment it happens."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef

from annotation.models import Membership, Task
from annotators.models import Credential, CredentialKind
from annotators.selectors import active_credential_exists
from config.errors import ApplicationError
from rules.selectors import acknowledgement_exists


class NotAReviewer(ApplicationError):
    code = "not_found"
    http_status = 404


class ReviewRefused(ApplicationError):
    code = "review_refused"
    http_status = 403


class ReviewConflict(ApplicationError):
    code = "conflict"
    http_status = 409


class ReviewInvalid(ApplicationError):
    code = "invalid"
    http_status = 400


class ExportNotAllowed(ApplicationError):
    code = "not_allowed"
    http_status = 403


def review_credential_kind(task: Task) -> str:
    return CredentialKind.SAFETY_REVIEW if task.is_safety else CredentialKind.FUNCTIONAL_REVIEW


def check_reviewer(*, user: AbstractBaseUser, task: Task) -> None:
    """Refuse unless the person reviews this task, holds an active review credential of its
    kind now and has acknowledged its rule version; one query for the three."""
    row = (Membership.objects.filter(task_id=task.pk, user_id=user.pk)
           .annotate(credential=active_credential_exists(user_ref=OuterRef("user_id"),
                                                         kind=review_credential_kind(task)),
                     acknowledged=acknowledgement_exists(user_ref=OuterRef("user_id"),
                                                         version_id=task.rule_version_id))
           .values_list("function", "credential", "acknowledged").first())
    if row is None or row[0] != Membership.Function.REVIEW:
        raise NotAReviewer("No such task among those you review.")
    _, credential_ok, acknowledged = row
    if not credential_ok:
        kind = CredentialKind(review_credential_kind(task))
        raise ReviewRefused(f"You hold no active {kind.label.lower()} credential now.")
    if not acknowledged:
        raise ReviewRefused("Read and acknowledge the task's rules before reviewing.",
                            detail={"rule_version_id": task.rule_version_id})


def task_for_review(task_id: int) -> Task:
    task = Task.objects.select_related("rule_version").filter(pk=task_id).first()
    if task is None:
        raise NotAReviewer("No such task among those you review.")
    return task


def disqualified_safety_reviewers() -> set[int]:
    """Reviewers whose safety-review credential is suspended or revoked and who hold no
    active one: their approvals no longer count."""
    credentials = Credential.objects.filter(kind=CredentialKind.SAFETY_REVIEW)
    active = set(credentials.filter(status=Credential.Status.ACTIVE)
                 .values_list("user_id", flat=True))
    return set(credentials.filter(status__in=[Credential.Status.SUSPENDED,
                                              Credential.Status.REVOKED])
               .values_list("user_id", flat=True)) - active
