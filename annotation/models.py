"""Tasks, who works on them in which function, their items and batches, leases and labels."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models

from annotators.models import CredentialKind
from jobs.models import BackgroundJob
from rules.models import AQL_VALUES, InspectionLevel, RuleSet


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
    labels_per_item = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)])
    # At least the rule version's number; a task may ask for more, never fewer.
    required_approvals = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)])
    # Both at least the rule version's: a task may give more time per item, never less.
    expected_seconds_per_item = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(86400)])
    minimum_seconds_per_item = models.PositiveIntegerField(
        validators=[MaxValueValidator(86400)])
    # A lease lasts this many times the expected seconds.
    lease_multiple = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(20)])
    batch_size = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(10000)])
    deadline_at = models.DateTimeField(null=True, blank=True)
    working_hours_per_day = models.DecimalField(
        max_digits=4, decimal_places=2, default=6,
        validators=[MinValueValidator(1), MaxValueValidator(12)])
    # Safety tasks: minutes of harmful content an annotator may see per day.
    daily_exposure_cap_minutes = models.PositiveIntegerField(
        default=240, validators=[MinValueValidator(5), MaxValueValidator(480)])
    break_reminder_minutes = models.PositiveIntegerField(
        default=50, validators=[MinValueValidator(5), MaxValueValidator(240)])
    # A stricter sampling plan than the rule version's; blank follows the version.
    aql = models.CharField("AQL", max_length=8, blank=True,
                           choices=[(value, value) for value in AQL_VALUES],
                           help_text="Lower than the rule version's, or blank to follow it.")
    inspection_level = models.CharField(
        max_length=4, blank=True, choices=InspectionLevel.choices,
        help_text="Higher than the rule version's, or blank to follow it.")
    sample_rate = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Fixed-rate plans: a higher share than the rule version's, or blank.")
    sample_minimum = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text="Fixed-rate plans: a higher minimum than the rule version's, or blank.")
    tightened_switching = models.BooleanField(
        default=False, help_text="Switch to tightened inspection after rejected batches, "
                                 "even if the rule version does not.")
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

    def credential_kind(self, function: str) -> CredentialKind:
        """The credential a person needs to hold ``function`` ("annotate" or "review") here."""
        return CredentialKind.for_task(safety=self.is_safety, function=function)


class MembershipKept(IntegrityError):
    """Raised on any attempt to delete a membership: they are kept for good (clause a.3)."""


class MembershipQuerySet(models.QuerySet):
    def delete(self):
        raise MembershipKept("Memberships are kept for good; end one instead "
                             "(membership_remove).")


class Membership(models.Model):
    """One person's one function in one task (clause a.3: never two functions in a task).
    Never deleted: on PostgreSQL a trigger refuses it too."""

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
    # Taking someone off a task ends the membership and keeps it, so that the person can
    # never come back in the other function; adding them again in the same one reopens it.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "user"],
                                               name="membership_one_function_per_task")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.function}s {self.task_id}"

    def delete(self, *args, **kwargs):
        raise MembershipKept(f"Membership {self.pk} is kept for good; end it instead.")


class Batch(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        ANNOTATING = "annotating", "Annotating"
        SUBMITTED = "submitted", "All labels submitted"
        IN_REVIEW = "in_review", "In review"
        CORRECTING = "correcting", "Accepted; inaccurate items being labelled again and checked"
        ACCEPTED = "accepted", "Accepted"
        REWORK = "rework", "Sent back for re-annotation"
        INVALIDATED = "invalidated", "Invalidated"

    # Illegal content found anywhere in a batch's items invalidates it from any state.
    TRANSITIONS = {
        State.OPEN: {State.ANNOTATING, State.INVALIDATED},
        State.ANNOTATING: {State.SUBMITTED, State.INVALIDATED},
        # Back to annotating when labels are returned (a quality failure) before sampling.
        State.SUBMITTED: {State.IN_REVIEW, State.ANNOTATING, State.INVALIDATED},
        State.IN_REVIEW: {State.ACCEPTED, State.CORRECTING, State.REWORK, State.INVALIDATED},
        # Accepted by its sample; exported only once every re-done label was checked too.
        State.CORRECTING: {State.ACCEPTED, State.INVALIDATED},
        State.REWORK: {State.ANNOTATING, State.INVALIDATED},
        State.ACCEPTED: {State.INVALIDATED},
        State.INVALIDATED: set(),
    }

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    # Raised each time review sends the whole batch back for re-annotation.
    round = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField()
    # When an export first carried the batch's labels out of the system.
    first_exported_at = models.DateTimeField(null=True, blank=True)

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
    # SHA-256 of the content (the text, or the file's bytes): the same content in any task.
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
            # Whether a batch still has items to hand out, checked after each label.
            models.Index(fields=["batch"], condition=models.Q(open_slots__gt=0),
                         name="item_batch_open_idx"),
            # Content found illegal in one task is looked for in every other.
            models.Index(fields=["checksum"], name="item_checksum_idx"),
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
        # The label failed its check: the item is labelled again by somebody else.
        FAILED = "failed", "Labelled, found inaccurate in review"

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
            # A person labels, skips or holds an item at most once, and never labels again
            # an item whose label of theirs failed its check.
            models.UniqueConstraint(fields=["item", "user"],
                                    condition=models.Q(state__in=["active", "submitted",
                                                                  "skipped", "failed"]),
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


# Leases that keep an item from the person: held, labelled, skipped, or labelled and failed
# (the states of the constraint ``lease_one_per_item_and_user``).
LIVE_OR_DONE = [Lease.State.ACTIVE, Lease.State.SUBMITTED, Lease.State.SKIPPED,
                Lease.State.FAILED]


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


class ImportJob(BackgroundJob):
    """One upload of items: its progress and, line by line, what was refused."""

    task_path = "annotation.tasks.run_import"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=16)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Import {self.pk} into task {self.task_id}"


class RuleAnnouncement(models.Model):
    """That the members of tasks under a rule set were told of one of its versions: at most
    once per version, and re-derived by a sweep when the message that should have told them
    was lost."""

    version = models.OneToOneField("rules.RuleVersion", on_delete=models.PROTECT,
                                   related_name="+")
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Announcement of rule version {self.version_id}"
