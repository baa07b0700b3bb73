"""Reads about people: the workforce list, one person's page, and a worker's own overview."""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ..models import ApiToken, Assignment, Credential, CredentialPolicy, ExamAttempt, TrainingRecord
from .credentials import (
    assignment_list_for_actor,
    credential_history_qs,
    credential_list_for_actor,
    policy_list,
)
from .exams import attempt_list_for_actor
from .sign_in import SignInLockout, account_lockout, api_token_list_for_actor, two_factor_enrolled
from .training import training_overview

# How many of a worker's latest attempts their overview lists.
OWN_ATTEMPTS_SHOWN = 20


def person_list_for_manager(*, search: str = "") -> QuerySet:
    """People by username, each with their credentials by kind, optionally searched by name."""
    people = get_user_model().objects.order_by("username").prefetch_related(
        Prefetch("credentials", queryset=Credential.objects.order_by("kind")))
    if search:
        people = people.filter(Q(username__icontains=search) | Q(first_name__icontains=search)
                               | Q(last_name__icontains=search))
    return people


def person_get(*, person_id: int) -> AbstractBaseUser:
    """A person, by id.

    :raises Http404: if there is nobody with that id.
    """
    person = get_user_model().objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


class PersonOverview(NamedTuple):
    """Everything a manager's page about one person shows."""

    person: AbstractBaseUser
    credentials: list[tuple[Credential, list]]
    records: QuerySet[TrainingRecord]
    attempts: QuerySet[ExamAttempt]
    assignments: QuerySet[Assignment]
    tokens: QuerySet[ApiToken]
    lockout: SignInLockout
    two_factor_enrolled: bool


def person_overview(*, actor: AbstractBaseUser, person_id: int) -> PersonOverview:
    """One person as a manager sees them: each credential (by kind, newest first) with its
    history, their training, attempts, assignments, API tokens and sign-in state. The
    histories of all the credentials come in one query.

    :raises Http404: if there is nobody with that id.
    """
    person = person_get(person_id=person_id)
    credentials = (Credential.objects.filter(user_id=person.pk).order_by("kind", "-issued_at")
                   .prefetch_related(Prefetch("history", queryset=credential_history_qs(),
                                              to_attr="events")))
    return PersonOverview(
        person=person,
        credentials=[(credential, credential.events) for credential in credentials],
        records=TrainingRecord.objects.filter(user_id=person.pk).select_related("course")
        .order_by("-started_at"),
        attempts=attempt_list_for_actor(actor=actor, user_id=person.pk),
        assignments=Assignment.objects.filter(user_id=person.pk).select_related("course")
        .order_by("-created_at"),
        tokens=api_token_list_for_actor(actor=actor, user_id=person.pk),
        lockout=account_lockout(username=person.get_username()),
        two_factor_enrolled=two_factor_enrolled(user=person))


class WorkerOverview(NamedTuple):
    """A worker's own page: training to do, credentials held, what is owed, exams open to
    them, and their latest attempts."""

    training: list[dict]
    credentials: QuerySet[Credential]
    assignments: QuerySet[Assignment]
    exams: QuerySet[CredentialPolicy]
    attempts: QuerySet[ExamAttempt]


def worker_overview(*, user: AbstractBaseUser) -> WorkerOverview:
    """What ``user`` sees of their own training, credentials and exams (a manager too sees
    only their own here)."""
    return WorkerOverview(
        training=training_overview(user=user),
        credentials=credential_list_for_actor(actor=user).filter(user_id=user.pk),
        assignments=assignment_list_for_actor(actor=user, status=Assignment.Status.OPEN)
        .filter(user_id=user.pk),
        exams=policy_list().filter(exam__isnull=False, course__isnull=False),
        attempts=attempt_list_for_actor(actor=user).filter(user_id=user.pk)
        [:OWN_ATTEMPTS_SHOWN])
