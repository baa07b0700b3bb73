"""Reads of credentials: who holds what, their history, policies, and what people owe."""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ..models import Assignment, Credential, CredentialEvent, CredentialPolicy
from .roles import can_manage_workforce

# Beyond ten years a window asks about no credential this system issues.
EXPIRING_WITHIN_DAYS_MAX = 3650


def has_active_credential(user: AbstractBaseUser, kind: str) -> bool:
    """Whether ``user`` holds an active, unexpired credential of ``kind`` right now.

    Every action elsewhere calls this at the moment it happens, so a suspension takes effect
    on the very next request.
    """
    return Credential.objects.filter(user_id=user.pk, kind=kind, status=Credential.Status.ACTIVE,
                                     expires_at__gt=timezone.now()).exists()


def active_credential_get(*, user_id: int, kind: str) -> Credential | None:
    """The person's newest active credential of ``kind``, or None."""
    return Credential.objects.filter(user_id=user_id, kind=kind,
                                     status=Credential.Status.ACTIVE).order_by("-issued_at").first()


def credentials_withdrawing_approvals(*, kind: str) -> dict[int, str]:
    """Credentials of ``kind`` revoked, or suspended by a quality signal, each with why: what
    their holders vouched for under them and that has not left the system no longer counts."""
    rows = Credential.objects.filter(kind=kind).filter(
        Q(status=Credential.Status.REVOKED)
        | Q(status=Credential.Status.SUSPENDED,
            suspension_cause=Credential.SuspensionCause.QUALITY))
    return {pk: f"credential {pk} {status}" for pk, status in rows.values_list("pk", "status")}


def users_suspended_for_quality(*, kind: str) -> set[int]:
    """The people whose credential of ``kind`` is suspended by a quality signal."""
    return set(Credential.objects.filter(
        kind=kind, status=Credential.Status.SUSPENDED,
        suspension_cause=Credential.SuspensionCause.QUALITY).values_list("user_id", flat=True))


def active_credential_exists(*, user_ref, kind: str) -> Exists:
    """A subquery expression: the user (an ``OuterRef`` or id) holds an active, unexpired
    credential of ``kind`` now. Lets a caller fold this check into its own query."""
    return Exists(Credential.objects.filter(user_id=user_ref, kind=kind,
                                            status=Credential.Status.ACTIVE,
                                            expires_at__gt=timezone.now()))


def credential_list_for_actor(*, actor: AbstractBaseUser, kind: str = "", status: str = "",
                              expiring_within_days: int | None = None,
                              search: str = "") -> QuerySet[Credential]:
    """Credentials the actor may see (their own, or everyone's for managers), filtered."""
    credentials = Credential.objects.select_related("user").order_by("expires_at", "pk")
    if not can_manage_workforce(user=actor):
        credentials = credentials.filter(user_id=actor.pk)
    if kind:
        credentials = credentials.filter(kind=kind)
    if status:
        credentials = credentials.filter(status=status)
    if expiring_within_days is not None:
        credentials = credentials.filter(
            status__in=[Credential.Status.ACTIVE, Credential.Status.SUSPENDED],
            expires_at__lte=timezone.now() + timedelta(days=expiring_within_days))
    if search:
        credentials = credentials.filter(
            Q(user__username__icontains=search) | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search) | Q(user__email__icontains=search))
    return credentials


def credential_get_for_actor(*, actor: AbstractBaseUser, credential_id: int) -> Credential:
    """A credential the actor may see.

    :raises Http404: if there is none, or it is someone else's and the actor no manager.
    """
    credential = credential_list_for_actor(actor=actor).filter(pk=credential_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential


def credential_history_qs() -> QuerySet[CredentialEvent]:
    """Credential events in the order they happened, with their actors."""
    return CredentialEvent.objects.select_related("actor").order_by("created_at", "pk")


def credential_history(*, credential: Credential) -> QuerySet[CredentialEvent]:
    """Every transition of one credential, in order."""
    return credential_history_qs().filter(credential=credential)


def assignment_list_for_actor(*, actor: AbstractBaseUser,
                              status: str = "") -> QuerySet[Assignment]:
    """Retraining and reassessment owed that the actor may see (their own, or everyone's for
    managers), by due date."""
    assignments = Assignment.objects.select_related("user", "course").order_by("due_date", "pk")
    if not can_manage_workforce(user=actor):
        assignments = assignments.filter(user_id=actor.pk)
    return assignments.filter(status=status) if status else assignments


def policy_list() -> QuerySet[CredentialPolicy]:
    """The credential policies by kind, with their course and exam."""
    return CredentialPolicy.objects.select_related("course", "exam").order_by("kind")


def policy_get(*, kind: str) -> CredentialPolicy:
    """The policy of one credential kind.

    :raises Http404: if there is none for ``kind``.
    """
    policy = policy_list().filter(kind=kind).first()
    if policy is None:
        raise Http404("No such credential policy.")
    return policy
