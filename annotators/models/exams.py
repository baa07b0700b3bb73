"""Exams: question pools per ability, timed attempts and their answers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .choices import Ability, CredentialKind


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
