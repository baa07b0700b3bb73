"""The workforce: roles, training, exams, credentials and their lifecycle."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class Role(models.TextChoices):
    """The kinds of user; each has a group of the same name and a home page. A compliance
    officer reads the compliance report and the audit trail, and changes nothing."""

    MANAGER = "manager", "Manager"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    REVIEWER = "reviewer", "Reviewer"
    ANNOTATOR = "annotator", "Annotator"


GROUP_FOR_ROLE = {
    Role.MANAGER: "Managers",
    Role.COMPLIANCE_OFFICER: "Compliance officers",
    Role.REVIEWER: "Reviewers",
    Role.ANNOTATOR: "Annotators",
}


class CredentialKind(models.TextChoices):
    """Track (functional or safety) times function (annotate or review)."""

    FUNCTIONAL_ANNOTATE = "functional_annotate", "Functional annotation"
    FUNCTIONAL_REVIEW = "functional_review", "Functional review"
    SAFETY_ANNOTATE = "safety_annotate", "Safety annotation"
    SAFETY_REVIEW = "safety_review", "Safety review"

    @classmethod
    def for_task(cls, *, safety: bool, function: str) -> "CredentialKind":
        """The credential that lets a person hold ``function`` ("annotate" or "review") in a
        safety task (``safety``) or a functional one: the one place this mapping lives."""
        return cls(f"{'safety' if safety else 'functional'}_{function}")


class Topic(models.TextChoices):
    """The four training topics the standard mandates (clause a.1)."""

    TASK_RULES = "task_rules", "Annotation task rules"
    TOOL_USE = "tool_use", "Using the annotation tools"
    QUALITY_VERIFICATION = "quality_verification", "Verifying annotation quality"
    DATA_SECURITY = "data_security", "Data security management"


class Ability(models.TextChoices):
    """The four abilities the standard's exams must test (clause a.2)."""

    UNDERSTANDING_RULES = "understanding_rules", "Understanding the annotation rules"
    USING_TOOLS = "using_tools", "Using the annotation tools"
    IDENTIFYING_RISKS = "identifying_risks", "Identifying safety risks"
    DATA_SECURITY = "data_security", "Managing data security"


# --- training -------------------------------------------------------------------------------


class Course(models.Model):
    """In-house training: ordered modules, each on one of the four mandated topics."""

    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    # Bumped whenever the modules change, so a training record names what was read.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=32, choices=Topic.choices)
    body = models.TextField(help_text="Markdown.")
    rule_version = models.ForeignKey("rules.RuleVersion", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "position"],
                                               name="module_position_unique")]

    def __str__(self) -> str:
        return f"{self.course.title} · {self.position}. {self.title}"


class TrainingRecord(models.Model):
    """One person's reading of one version of a course."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="training_records")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    course_version = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["user", "course"], condition=models.Q(completed_at__isnull=True),
            name="training_one_open_record")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.course_id} v{self.course_version}"


class ModuleProgress(models.Model):
    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "module"],
                                               name="module_progress_once")]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.module_id}"


# --- exams ----------------------------------------------------------------------------------


def validate_pass_mark_floor(value: int) -> None:
    """Refuse a pass mark below the provider's floor, ``settings.EXAM_PASS_MARK_FLOOR``.

    The floor is read when a value is checked, not when the model loads, so the setting
    governs every exam saved after it changes.
    """
    floor = settings.EXAM_PASS_MARK_FLOOR
    if value is not None and value < floor:
        raise ValidationError(
            "A pass mark below %(floor)s%% lets people pass knowing too little; set "
            "%(floor)s or more.", code="below_pass_mark_floor", params={"floor": floor})


PASS_MARK_VALIDATORS = [
    validate_pass_mark_floor,
    MaxValueValidator(100, "A pass mark is a percentage: at most 100."),
]


class Exam(models.Model):
    title = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    time_limit_minutes = models.PositiveIntegerField(default=30, validators=[
        MinValueValidator(5, "Give at least 5 minutes."),
        MaxValueValidator(240, "Give at most 240 minutes (four hours)."),
    ])
    questions_per_ability = models.PositiveIntegerField(default=5, validators=[
        MinValueValidator(1, "Draw at least 1 question per ability."),
        MaxValueValidator(50, "Draw at most 50 questions per ability."),
    ])
    # Percentages, from settings.EXAM_PASS_MARK_FLOOR to 100.
    pass_mark_understanding_rules = models.PositiveSmallIntegerField(
        default=70, validators=PASS_MARK_VALIDATORS)
    pass_mark_using_tools = models.PositiveSmallIntegerField(default=70,
                                                             validators=PASS_MARK_VALIDATORS)
    pass_mark_identifying_risks = models.PositiveSmallIntegerField(
        default=70, validators=PASS_MARK_VALIDATORS)
    pass_mark_data_security = models.PositiveSmallIntegerField(default=70,
                                                               validators=PASS_MARK_VALIDATORS)
    overall_pass_mark = models.PositiveSmallIntegerField(default=80,
                                                         validators=PASS_MARK_VALIDATORS)
    show_explanations = models.BooleanField(default=True)

    class Meta:
        constraints = [models.CheckConstraint(
            condition=models.Q(overall_pass_mark__lte=100,
                               pass_mark_understanding_rules__lte=100,
                               pass_mark_using_tools__lte=100,
                               pass_mark_identifying_risks__lte=100,
                               pass_mark_data_security__lte=100),
            name="exam_pass_marks_are_percentages")]

    def __str__(self) -> str:
        return self.title

    def pass_mark_for(self, ability: str) -> int:
        return getattr(self, f"pass_mark_{ability}")


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        PRACTICAL = "practical", "Practical: name the risk categories of a sample"

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="questions")
    ability = models.CharField(max_length=32, choices=Ability.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    prompt = models.TextField()
    options = models.JSONField(default=list, blank=True,
                               help_text="Choice questions: the options, in order.")
    # Choice questions: indexes of the correct options. Practical: the risk codes present.
    key = models.JSONField(default=list, blank=True)
    sample_text = models.TextField(blank=True)
    sample_image = models.FileField(upload_to="exam-samples/", blank=True)
    explanation = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Q{self.pk} ({self.ability}, {self.kind})"


class ExamAttempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        GRADED = "graded", "Graded"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="exam_attempts")
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    credential_kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Per ability: {"score": percent, "pass_mark": percent, "passed": bool, "questions": n}.
    ability_scores = models.JSONField(default=dict, blank=True)
    overall_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["user", "credential_kind"], condition=models.Q(status="in_progress"),
            name="exam_one_attempt_in_progress")]
        indexes = [models.Index(fields=["status", "deadline_at"], name="attempt_due_idx")]

    def __str__(self) -> str:
        return f"Attempt {self.pk} of {self.user_id} at {self.exam_id}"


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(default=list)
    answered_at = models.DateTimeField()
    score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"],
                                               name="attempt_answer_once")]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}"


# --- credentials ----------------------------------------------------------------------------


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


# --- sign-in --------------------------------------------------------------------------------


class ApiToken(AbstractAuthToken):
    """A bearer token of the API (django-rest-knox's model with an id of its own).

    Only a hash of the secret is stored (``digest``); ``token_key``, the secret's first
    characters, finds the row and never leaves the server. A token expires at ``expiry`` and
    is revoked by deleting its row. ``password_fingerprint`` is the holder's session hash when
    it was issued, so that any change of password ends it, however the password was changed.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, blank=True,
                            help_text="What the token is for, as its holder named it.")
    password_fingerprint = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["user", "expiry"], name="apitoken_user_expiry")]

    def __str__(self) -> str:
        return f"API token {self.pk} of user {self.user_id}"
