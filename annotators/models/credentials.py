"""Credentials: the policy of each kind, the credentials it issues, their history, and the
retraining and reassessment people owe."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .choices import CredentialKind
from .exams import Exam, ExamAttempt
from .training import Course

VALIDITY_DAYS_MIN, VALIDITY_DAYS_MAX = 30, 1095


class CredentialPolicy(models.Model):
    """How a credential kind is earned and kept."""

    kind = models.CharField(max_length=32, choices=CredentialKind.choices, unique=True)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    validity_days = models.PositiveIntegerField(default=365, validators=[
        MinValueValidator(VALIDITY_DAYS_MIN, "A credential stays valid for at least "
                                             "%(limit_value)s days."),
        MaxValueValidator(VALIDITY_DAYS_MAX, "A credential stays valid for at most "
                                             "%(limit_value)s days (three years)."),
    ])
    retraining_interval_days = models.PositiveIntegerField(default=180, validators=[
        MinValueValidator(7, "Space retraining at least %(limit_value)s days apart."),
        MaxValueValidator(VALIDITY_DAYS_MAX, "Retrain at least every %(limit_value)s days."),
    ])
    reassessment_interval_days = models.PositiveIntegerField(default=330, validators=[
        MinValueValidator(7, "Space reassessments at least %(limit_value)s days apart."),
        MaxValueValidator(VALIDITY_DAYS_MAX, "Reassess at least every %(limit_value)s days."),
    ])
    grace_days = models.PositiveIntegerField(default=14, validators=[
        MaxValueValidator(60, "Allow at most %(limit_value)s days of grace."),
    ])
    max_attempts = models.PositiveIntegerField(
        default=3, help_text="Attempts allowed per completion of the training.", validators=[
            MinValueValidator(1, "Allow at least %(limit_value)s attempt."),
            MaxValueValidator(10, "Allow at most %(limit_value)s attempts per training."),
        ])
    cooldown_hours = models.PositiveIntegerField(default=24, validators=[
        MaxValueValidator(720, "Make people wait at most %(limit_value)s hours (30 days) "
                               "between attempts."),
    ])
    revocation_wait_days = models.PositiveIntegerField(default=30, validators=[
        MaxValueValidator(365, "Make people wait at most %(limit_value)s days after a "
                               "revocation."),
    ])
    expiry_notice_days = models.PositiveIntegerField(default=30, validators=[
        MaxValueValidator(VALIDITY_DAYS_MAX, "Give notice at most %(limit_value)s days "
                                             "ahead."),
    ])

    class Meta:
        verbose_name_plural = "credential policies"
        permissions = [("manage_workforce", "Can train, examine and credential people")]

    def __str__(self) -> str:
        return f"Policy for {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse intervals and notice that outlast the credential they belong to."""
        validity = self.validity_days
        # Against a validity that is itself refused, the comparison would only add noise.
        if validity is None or not VALIDITY_DAYS_MIN <= validity <= VALIDITY_DAYS_MAX:
            return
        errors = {}
        for name, what in (("retraining_interval_days", "Retraining"),
                           ("reassessment_interval_days", "Reassessment")):
            value = getattr(self, name)
            if value is not None and value > validity:
                errors[name] = (f"{what} every {value} days would come after the credential "
                                f"expires ({validity} days); set {validity} days or fewer.")
        notice = self.expiry_notice_days
        if notice is not None and notice > validity:
            errors["expiry_notice_days"] = (
                f"A notice {notice} days ahead would come before the credential is issued "
                f"(it is valid for {validity} days); set {validity} days or fewer.")
        if errors:
            raise ValidationError(errors)


class Credential(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    TRANSITIONS = {
        Status.ACTIVE: {Status.SUSPENDED, Status.REVOKED, Status.EXPIRED},
        Status.SUSPENDED: {Status.ACTIVE, Status.REVOKED, Status.EXPIRED},
        Status.REVOKED: set(),
        Status.EXPIRED: set(),
    }

    class SuspensionCause(models.TextChoices):
        MANUAL = "manual", "Suspended by a manager"
        RETRAINING_OVERDUE = "retraining_overdue", "Retraining overdue"
        REASSESSMENT_OVERDUE = "reassessment_overdue", "Reassessment overdue"
        QUALITY = "quality", "Quality failure, pending retraining"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="credentials")
    kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempt = models.ForeignKey(ExamAttempt, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    # When the last exam for it was passed; reassessment is due an interval later.
    assessed_at = models.DateTimeField()
    suspension_cause = models.CharField(max_length=32, choices=SuspensionCause.choices,
                                        blank=True)
    suspension_reason = models.TextField(blank=True)
    suspended_until_date = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The expiry a reminder was last sent for, so the sweep sends one reminder per expiry.
    expiry_notice_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["user", "kind"], condition=models.Q(status__in=["active", "suspended"]),
            name="credential_one_live_per_kind")]
        indexes = [models.Index(fields=["status", "expires_at"], name="credential_expiry_idx"),
                   models.Index(fields=["user", "kind", "status"], name="credential_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} credential {self.pk} ({self.status})"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]


class CredentialEvent(models.Model):
    """One row of a credential's history: every transition, with who, why and when."""

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="history")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.action}"


class Assignment(models.Model):
    """Retraining or reassessment owed by a person for one credential kind."""

    class Type(models.TextChoices):
        RETRAINING = "retraining", "Retraining"
        REASSESSMENT = "reassessment", "Reassessment"

    class Source(models.TextChoices):
        INTERVAL = "interval", "Due by the policy's interval"
        MANUAL = "manual", "Scheduled by a manager"
        QUALITY = "quality", "Quality failure"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="assignments")
    kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    type = models.CharField(max_length=16, choices=Type.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    due_date = models.DateField()
    reason = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["user", "kind", "type"], condition=models.Q(status="open"),
            name="assignment_one_open_per_type")]

    def __str__(self) -> str:
        return f"{self.type} for {self.user_id} ({self.kind}) due {self.due_date}"
