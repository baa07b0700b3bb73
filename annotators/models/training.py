"""Training: courses of modules on the mandated topics, and each person's reading of them."""

from django.conf import settings
from django.db import models

from .choices import Topic


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
