"""Tasks, who works on them in which function, their items and batches, leases and labels."""

from django.conf import settings
from django.db import models

from rules.models import RuleSet


class Task(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    TRANSITIONS = {
        State.DRAFT: {State.ACTIVE, State.CLOSED},
        State.ACTIVE: {State.PAUSED, State.CLOSED},
        State.PAUSED: {State.ACTIVE, State.CLOSED},
        State.CLOSED: set(),
    }

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=RuleSet.Kind.choices)
    rule_version = models.ForeignKey("rules.RuleVersion", on_delete=models.PROTECT,
                                     related_name="tasks")
    labels_per_item = models.PositiveSmallIntegerField(default=1)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    expected_seconds_per_item = models.PositiveIntegerField()
    minimum_seconds_per_item = models.PositiveIntegerField()
    # A lease lasts this many times the expected seconds.
    lease_multiple = models.PositiveSmallIntegerField(default=3)
    batch_size = models.PositiveIntegerField(default=100)
    deadline_at = models.DateTimeField(null=True, blank=True)
    working_hours_per_day = models.DecimalField(max_digits=4, decimal_places=2, default=6)
    # Safety tasks: hours of harmful content an annotator may see per day.
    daily_exposure_cap_minutes = models.PositiveIntegerField(default=240)
    break_reminder_minutes = models.PositiveIntegerField(default=50)
    instructions = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("annotate_task", "Can annotate items of the task"),
            ("review_task", "Can review labels of the task"),
            ("manage_task", "Can manage the task"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(labels_per_item__gte=1),
                                   name="task_labels_per_item_positive"),
            models.CheckConstraint(condition=models.Q(required_approvals__gte=1),
                                   name="task_required_approvals_positive"),
            models.CheckConstraint(
                condition=models.Q(minimum_seconds_per_item__lte=models.F(
                    "expected_seconds_per_item")),
                name="task_minimum_within_expected"),
        ]

    def __str__(self) -> str:
        return self.name

    def can_transition_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.State(self.state)]

    @property
    def is_safety(self) -> bool:
        return self.kind == RuleSet.Kind.SAFETY

    @property
    def lease_seconds(self) -> int:
        return self.expected_seconds_per_item * self.lease_multiple


class Membership(models.Model):
    """One person's one function in one task (clause a.3: never two functions in a task)."""

    class Function(models.TextChoices):
        ANNOTATE = "annotate", "Annotate"
        REVIEW = "review", "Review"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="memberships")
    function = models.CharField(max_length=16, choices=Function.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "user"],
                                               name="membership_one_function_per_task")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.function}s {self.task_id}"


class Batch(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        ANNOTATING = "annotating", "Annotating"
        SUBMITTED = "submitted", "All labels submitted"
        IN_REVIEW = "in_review", "In review"
        ACCEPTED = "accepted", "Accepted"
        REWORK = "rework", "Sent back for re-annotation"
        INVALIDATED = "invalidated", "Invalidated"

    TRANSITIONS = {
        State.OPEN: {State.ANNOTATING},
        State.ANNOTATING: {State.SUBMITTED},
        # Back to annotating when labels are returned (a quality failure) before sampling.
        State.SUBMITTED: {State.IN_REVIEW, State.ANNOTATING},
        State.IN_REVIEW: {State.ACCEPTED, State.REWORK, State.INVALIDATED},
        State.REWORK: {State.ANNOTATING},
        State.ACCEPTED: set(),
        State.INVALIDATED: set(),
    }

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    # Raised each time review sends the whole batch back for re-annotation.
    round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "number"],
                                               name="batch_number_unique")]

    def __str__(self) -> str:
        return f"Batch {self.number} of task {self.task_id}"


class Item(models.Model):
    class Modality(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"
        AUDIO = "audio", "Audio"
        VIDEO = "video", "Video"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="items")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="items")
    modality = models.CharField(max_length=8, choices=Modality.choices, default=Modality.TEXT)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to="items/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    checksum = models.CharField(max_length=64)
    # Labels still to hand out: labels per item, less submitted labels and live leases.
    open_slots = models.PositiveSmallIntegerField()
    labels_done = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "checksum"],
                                               name="item_unique_content_per_task")]
        indexes = [
            # The work queue: only items that still need a label are in this index.
            models.Index(fields=["task", "id"], condition=models.Q(open_slots__gt=0),
                         name="item_work_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"Item {self.pk} of task {self.task_id}"


class Lease(models.Model):
    """An item handed to one annotator for a limited time."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        SUBMITTED = "submitted", "Labelled"
        SKIPPED = "skipped", "Skipped"
        EXPIRED = "expired", "Lapsed"
        RELEASED = "released", "Released (membership or credential ended)"
        SUPERSEDED = "superseded", "Labelled, then sent back for re-annotation"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="leases")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="leases")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="leases")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # A person labels, skips or holds an item at most once.
            models.UniqueConstraint(fields=["item", "user"],
                                    condition=models.Q(state__in=["active", "submitted",
                                                                  "skipped"]),
                                    name="lease_one_per_item_and_user"),
            # A person holds at most one live lease in a task.
            models.UniqueConstraint(fields=["user", "task"],
                                    condition=models.Q(state="active"),
                                    name="lease_one_live_per_task_and_user"),
        ]
        indexes = [
            models.Index(fields=["user", "state"], name="lease_user_state_idx"),
            models.Index(fields=["expires_at"], condition=models.Q(state="active"),
                         name="lease_active_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"Lease {self.pk} of item {self.item_id} to {self.user_id}"


class FunctionalLabel(models.Model):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="labels")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="labels")
    lease = models.OneToOneField(Lease, on_delete=models.PROTECT, related_name="label")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="functional_labels")
    rule_version = models.ForeignKey("rules.RuleVersion", on_delete=models.PROTECT,
                                     related_name="+")
    payload = models.JSONField()
    client_id = models.UUIDField()
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    too_fast = models.BooleanField(default=False)
    # Set when review (or a quality failure) sends the item back: a newer label replaces it.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["annotator", "client_id"],
                                               name="functional_label_client_id_once")]
        indexes = [models.Index(fields=["task", "too_fast"], name="label_task_fast_idx"),
                   # Current labels of a task in order, for sampling and export.
                   models.Index(fields=["task", "id"], condition=models.Q(superseded_at=None),
                                name="label_task_current_idx")]

    def __str__(self) -> str:
        return f"Label {self.pk} of item {self.item_id}"


class ImportJob(models.Model):
    """One upload of items: its progress and, line by line, what was refused."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import {self.pk} into task {self.task_id}"
