"""The daily sweep: expiry, retraining and reassessment, overdue suspensions, reinstatements,
reminders. Every step looks at the state it would change, so a second run changes nothing,
and each row changes in a transaction of its own, so one failure keeps the others."""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from audit.services import record_event

from ..models import (
    Assignment,
    Credential,
    CredentialPolicy,
    ExamAttempt,
    TrainingRecord,
)
from .credentials import assignment_open, suspend, transition
from .exams import attempt_grade_if_due
from .locks import credential_qs_select_for_update

LIVE = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED]

OVERDUE_CAUSE = {Assignment.Type.RETRAINING: Credential.SuspensionCause.RETRAINING_OVERDUE,
                 Assignment.Type.REASSESSMENT: Credential.SuspensionCause.REASSESSMENT_OVERDUE}

Policies = dict[str, CredentialPolicy]


def workforce_sweep() -> dict[str, int]:
    """Run every step once, in order; return how many rows each step changed."""
    now = timezone.now()
    today = timezone.localdate()
    policies = {policy.kind: policy for policy in CredentialPolicy.objects.all()}
    # In this order: a late attempt graded first may renew a credential the next steps would
    # expire, suspend or remind about.
    steps: list[tuple[str, Callable[[], int]]] = [
        ("attempts_graded", lambda: _grade_overdue_attempts(now=now)),
        ("expired", lambda: _expire_ended_credentials(now=now)),
        ("retraining_opened", lambda: _open_due_retraining(policies=policies, today=today)),
        ("reassessment_opened", lambda: _open_due_reassessment(policies=policies,
                                                               today=today)),
        ("suspended_overdue", lambda: _suspend_overdue(policies=policies, today=today)),
        ("reinstated", lambda: _reinstate_ended_suspensions(today=today)),
        ("expiry_notices", lambda: _send_expiry_notices(policies=policies, now=now)),
    ]
    counts = {key: step() for key, step in steps}
    return {key: counts[key] for key in ("expired", "retraining_opened", "reassessment_opened",
                                         "suspended_overdue", "reinstated", "expiry_notices",
                                         "attempts_graded")}


def _grade_overdue_attempts(*, now: datetime) -> int:
    graded = 0
    for attempt in ExamAttempt.objects.filter(status=ExamAttempt.Status.IN_PROGRESS,
                                              deadline_at__lt=now):
        attempt_grade_if_due(attempt=attempt)
        graded += 1
    return graded


def _expire_ended_credentials(*, now: datetime) -> int:
    expired = 0
    for credential_id in Credential.objects.filter(status__in=LIVE, expires_at__lte=now) \
            .values_list("pk", flat=True):
        with transaction.atomic():
            credential = credential_qs_select_for_update().get(pk=credential_id)
            if credential.status in LIVE and credential.expires_at <= now:
                transition(credential=credential, to_status=Credential.Status.EXPIRED,
                           actor=None, reason="Validity ended.")
                expired += 1
    return expired


def _active_credentials_with_last_training() -> QuerySet[Credential]:
    """Active credentials, each with when its holder last completed the course its kind's
    policy requires (``last_trained_at``, None if never), in one query."""
    required_course = CredentialPolicy.objects.filter(
        kind=OuterRef(OuterRef("kind"))).values("course_id")[:1]
    last_completion = (TrainingRecord.objects
                       .filter(user_id=OuterRef("user_id"),
                               course_id=Subquery(required_course), completed_at__isnull=False)
                       .order_by("-completed_at").values("completed_at")[:1])
    return (Credential.objects.filter(status=Credential.Status.ACTIVE)
            .annotate(last_trained_at=Subquery(last_completion)).order_by("pk"))


def _open_due_retraining(*, policies: Policies, today: date) -> int:
    opened = 0
    for credential in _active_credentials_with_last_training():
        policy = policies[credential.kind]
        if policy.course_id is None:
            continue
        trained = credential.last_trained_at or credential.issued_at
        due = timezone.localdate(trained + timedelta(days=policy.retraining_interval_days))
        opened += _open_interval_assignment(credential=credential,
                                            type_=Assignment.Type.RETRAINING, due=due,
                                            today=today, reason="Retraining interval reached.")
    return opened


def _open_due_reassessment(*, policies: Policies, today: date) -> int:
    opened = 0
    for credential in Credential.objects.filter(status=Credential.Status.ACTIVE).order_by("pk"):
        policy = policies[credential.kind]
        due = timezone.localdate(credential.assessed_at
                                 + timedelta(days=policy.reassessment_interval_days))
        opened += _open_interval_assignment(credential=credential,
                                            type_=Assignment.Type.REASSESSMENT, due=due,
                                            today=today, reason="Reassessment interval reached.")
    return opened


def _open_interval_assignment(*, credential: Credential, type_: str, due: date, today: date,
                              reason: str) -> int:
    """Open the assignment a policy's interval makes due by today; return 1 if opened."""
    if due > today:
        return 0
    with transaction.atomic():
        opened = assignment_open(user_id=credential.user_id, kind=credential.kind, type_=type_,
                                 source=Assignment.Source.INTERVAL, due_date=due, reason=reason)
    return 1 if opened else 0


def _suspend_overdue(*, policies: Policies, today: date) -> int:
    suspended = 0
    for assignment in Assignment.objects.filter(status=Assignment.Status.OPEN).order_by("pk"):
        grace = policies[assignment.kind].grace_days
        if today <= assignment.due_date + timedelta(days=grace):
            continue
        with transaction.atomic():
            credential = credential_qs_select_for_update().filter(
                user_id=assignment.user_id, kind=assignment.kind,
                status=Credential.Status.ACTIVE).first()
            if credential is not None:
                suspend(credential=credential, actor=None,
                        cause=OVERDUE_CAUSE[Assignment.Type(assignment.type)],
                        reason=f"{assignment.get_type_display()} overdue since "
                               f"{assignment.due_date:%Y-%m-%d} (grace {grace} days).")
                suspended += 1
    return suspended


def _reinstate_ended_suspensions(*, today: date) -> int:
    reinstated = 0
    for credential_id in Credential.objects.filter(
            status=Credential.Status.SUSPENDED, suspended_until_date__lte=today) \
            .values_list("pk", flat=True):
        with transaction.atomic():
            credential = credential_qs_select_for_update().get(pk=credential_id)
            until = credential.suspended_until_date
            if credential.status == Credential.Status.SUSPENDED and until and until <= today:
                transition(credential=credential, to_status=Credential.Status.ACTIVE,
                           actor=None, reason=f"Suspension ended on {until}.")
                reinstated += 1
    return reinstated


def _send_expiry_notices(*, policies: Policies, now: datetime) -> int:
    sent = 0
    for credential in Credential.objects.filter(status__in=LIVE).select_related("user"):
        notice = timedelta(days=policies[credential.kind].expiry_notice_days)
        if credential.expires_at - notice > now or credential.expiry_notice_for == \
                credential.expires_at:
            continue
        with transaction.atomic():
            credential.expiry_notice_for = credential.expires_at
            credential.save(update_fields=["expiry_notice_for"])
            record_event(actor=None, action="credential.expiry_notice", target=credential,
                         data={"expires_at": credential.expires_at.isoformat()})
            transaction.on_commit(_notify_expiry(credential))
            sent += 1
    return sent


def _notify_expiry(credential: Credential) -> Callable[[], None]:
    email = credential.user.email
    subject = f"Your {credential.get_kind_display().lower()} credential expires soon"
    body = (f"Hello {credential.user.get_username()},\n\nYour "
            f"{credential.get_kind_display().lower()} credential expires on "
            f"{timezone.localtime(credential.expires_at):%Y-%m-%d}. Take the exam again before "
            "then to keep working on tasks that need it.\n")

    def send() -> None:
        if email:
            send_mail(subject, body, None, [email], fail_silently=True)

    return send
