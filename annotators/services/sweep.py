"""The daily sweep: expiry, retraining and reassessment, overdue suspensions, reinstatements,
reminders. Every step looks at the state it would change, so a second run changes nothing."""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..models import (
    Assignment,
    Credential,
    CredentialPolicy,
    ExamAttempt,
    TrainingRecord,
)
from .credentials import assignment_open, credential_qs_select_for_update, suspend, transition
from .exams import attempt_grade_if_due

LIVE = [Credential.Status.ACTIVE, Credential.Status.SUSPENDED]


def workforce_sweep() -> dict[str, int]:
    """Run every step once; return how many rows each step changed."""
    now = timezone.now()
    today = timezone.localdate()
    counts = {"expired": 0, "retraining_opened": 0, "reassessment_opened": 0,
              "suspended_overdue": 0, "reinstated": 0, "expiry_notices": 0, "attempts_graded": 0}
    policies = {policy.kind: policy for policy in CredentialPolicy.objects.all()}

    for attempt in ExamAttempt.objects.filter(status=ExamAttempt.Status.IN_PROGRESS,
                                              deadline_at__lt=now):
        attempt_grade_if_due(attempt)
        counts["attempts_graded"] += 1

    for credential_id in Credential.objects.filter(status__in=LIVE, expires_at__lte=now) \
            .values_list("pk", flat=True):
        with transaction.atomic():
            credential = credential_qs_select_for_update().get(pk=credential_id)
            if credential.status in LIVE and credential.expires_at <= now:
                transition(credential, Credential.Status.EXPIRED, actor=None,
                           reason="Validity ended.")
                counts["expired"] += 1

    for credential in Credential.objects.filter(status=Credential.Status.ACTIVE):
        policy = policies[credential.kind]
        if policy.course_id is not None:
            trained = (TrainingRecord.objects.filter(user_id=credential.user_id,
                                                     course_id=policy.course_id,
                                                     completed_at__isnull=False)
                       .order_by("-completed_at").values_list("completed_at", flat=True).first()
                       or credential.issued_at)
            due = timezone.localdate(trained + timedelta(days=policy.retraining_interval_days))
            if due <= today:
                with transaction.atomic():
                    if assignment_open(user_id=credential.user_id, kind=credential.kind,
                                        type_=Assignment.Type.RETRAINING,
                                        source=Assignment.Source.INTERVAL, due_date=due,
                                        reason="Retraining interval reached."):
                        counts["retraining_opened"] += 1
        due = timezone.localdate(credential.assessed_at
                                 + timedelta(days=policy.reassessment_interval_days))
        if due <= today:
            with transaction.atomic():
                if assignment_open(user_id=credential.user_id, kind=credential.kind,
                                    type_=Assignment.Type.REASSESSMENT,
                                    source=Assignment.Source.INTERVAL, due_date=due,
                                    reason="Reassessment interval reached."):
                    counts["reassessment_opened"] += 1

    causes = {Assignment.Type.RETRAINING: Credential.SuspensionCause.RETRAINING_OVERDUE,
              Assignment.Type.REASSESSMENT: Credential.SuspensionCause.REASSESSMENT_OVERDUE}
    for assignment in Assignment.objects.filter(status=Assignment.Status.OPEN):
        grace = policies[assignment.kind].grace_days
        if today <= assignment.due_date + timedelta(days=grace):
            continue
        with transaction.atomic():
            credential = credential_qs_select_for_update().filter(
                user_id=assignment.user_id, kind=assignment.kind,
                status=Credential.Status.ACTIVE).first()
            if credential is not None:
                suspend(credential, actor=None, cause=causes[Assignment.Type(assignment.type)],
                        reason=f"{assignment.get_type_display()} overdue since "
                               f"{assignment.due_date:%Y-%m-%d} (grace {grace} days).")
                counts["suspended_overdue"] += 1

    for credential_id in Credential.objects.filter(
            status=Credential.Status.SUSPENDED, suspended_until_date__lte=today) \
            .values_list("pk", flat=True):
        with transaction.atomic():
            credential = credential_qs_select_for_update().get(pk=credential_id)
            until = credential.suspended_until_date
            if credential.status == Credential.Status.SUSPENDED and until and until <= today:
                transition(credential, Credential.Status.ACTIVE, actor=None,
                           reason=f"Suspension ended on {credential.suspended_until_date}.")
                counts["reinstated"] += 1

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
            counts["expiry_notices"] += 1
    return counts


def _notify_expiry(credential: Credential):
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
