"""Review: samples of functional batches and their checks, batch decisions, quality signals
and exports. Safety approvals live in the ``safety`` database (see ``safety_labels``)."""

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from annotation.models import Batch, FunctionalLabel, Item, Task
from annotators.models import CredentialKind
from jobs.models import BackgroundJob


def safety_export_storage():
    """The storage of safety-label exports (``STORAGES["safety_exports"]``)."""
    return storages["safety_exports"]


class Sample(models.Model):
    """The items drawn from one round of a batch for checking by hand, with the plan and the
    seed that reproduce the draw."""

    class Scheme(models.TextChoices):
        ISO_2859_1 = "iso2859_1", "ISO 2859-1 single sampling"
        FIXED = "fixed", "Fixed rate with a minimum"

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="samples")
    round = models.PositiveSmallIntegerField()
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    severity = models.CharField(max_length=16, help_text="normal, tightened or fixed")
    aql = models.CharField("AQL", max_length=8, blank=True)
    inspection_level = models.CharField(max_length=4, blank=True)
    code_letter = models.CharField(max_length=1, blank=True)
    batch_size = models.PositiveIntegerField()
    plan_size = models.PositiveIntegerField(help_text="The sample size the plan asks for.")
    accept = models.PositiveIntegerField(help_text="Acceptance number (Ac).")
    reject = models.PositiveIntegerField(help_text="Rejection number (Re).")
    seed = models.BigIntegerField()
    # Item ids drawn, and why: {"annotators": {user id: item id}, "too_fast": [...],
    # "random": [...]}.
    item_ids = models.JSONField(default=list)
    strata = models.JSONField(default=dict)
    drawn_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "round"],
                                               name="sample_one_per_batch_round")]
        permissions = [("adjudicate_safety_labels", "Can adjudicate escalated safety labels")]

    def __str__(self) -> str:
        return f"Sample of batch {self.batch_id}, round {self.round}"


class SampleCheck(models.Model):
    """A reviewer's verdict on one sampled label."""

    class Verdict(models.TextChoices):
        ACCURATE = "accurate", "Accurate"
        INACCURATE = "inaccurate", "Inaccurate"
        ILLEGAL = "illegal", "Contains illegal or unhealthy content"

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    label = models.ForeignKey(FunctionalLabel, on_delete=models.PROTECT, related_name="checks")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    too_fast = models.BooleanField(default=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="sample_checks")
    claimed_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    # The risk categories a verdict names are safety information: they are kept in the
    # safety database; this is the id of the row there (safety_labels.VerdictRisk).
    risks_id = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # A label made again after its item failed a check, in a batch accepted by its sample:
    # checked before the batch is exported (invariant 6).
    recheck = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "label"], name="sample_check_once"),
            models.CheckConstraint(
                condition=models.Q(verdict="") | models.Q(reviewer__isnull=False,
                                                          checked_at__isnull=False),
                name="sample_check_verdict_has_reviewer"),
        ]
        indexes = [models.Index(fields=["sample", "verdict"], name="sample_check_open_idx")]

    def __str__(self) -> str:
        return f"Check of label {self.label_id} in sample {self.sample_id}"


class BatchDecision(models.Model):
    """The outcome of a checked sample, with the numbers it was decided on; or a batch
    invalidated by illegal content found after its sample (in a re-done label, or the same
    content judged illegal in a safety label), with that evidence."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REWORK = "rework", "Sent back for re-annotation"
        INVALIDATED = "invalidated", "Invalidated"

    class Cause(models.TextChoices):
        SAMPLE = "sample", "Its checked sample"
        RECHECK = "recheck", "Illegal content in a re-done label"
        SAFETY_LABEL = "safety_label", "The same content judged illegal in a safety label"

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="decisions")
    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="decision",
                                  null=True, blank=True)
    cause = models.CharField(max_length=16, choices=Cause.choices, default=Cause.SAMPLE)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    # The batch had left in an export before it was invalidated: its labels are listed for
    # withdrawal from the training data.
    exported_before = models.BooleanField(default=False)
    items_checked = models.PositiveIntegerField()
    labels_checked = models.PositiveIntegerField()
    items_inaccurate = models.PositiveIntegerField()
    items_illegal = models.PositiveIntegerField()
    accept = models.PositiveIntegerField()
    reject = models.PositiveIntegerField()
    # Inaccurate items sent back, illegal items with their sources and the checks (or the
    # safety label) that found them; risk codes stay in the safety database.
    evidence = models.JSONField(default=dict)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(
            condition=models.Q(cause="sample", sample__isnull=False)
            | ~models.Q(cause="sample") & models.Q(outcome="invalidated"),
            name="batch_decision_sample_or_invalidation")]
        indexes = [models.Index(fields=["exported_before"],
                                condition=models.Q(exported_before=True),
                                name="decision_withdrawal_idx")]

    def __str__(self) -> str:
        return f"Batch {self.batch_id}: {self.outcome}"

    @property
    def accuracy(self) -> float | None:
        if not self.items_checked:
            return None
        return 1 - (self.items_inaccurate + self.items_illegal) / self.items_checked


class QualityPolicy(models.Model):
    """When poor quality suspends an annotator's credential pending retraining."""

    kind = models.CharField(max_length=32, choices=CredentialKind.choices, unique=True)
    threshold = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Functional: the lowest accuracy on sampled labels; blank uses each task's "
                  "rule version's target accuracy. Safety: the highest share of rejected "
                  "labels.")
    minimum_checks = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(10000)])
    window_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)])
    enabled = models.BooleanField(default=True)

    class Meta:
        permissions = [("manage_quality", "Can set quality policies")]
        verbose_name_plural = "quality policies"

    def __str__(self) -> str:
        return f"Quality policy for {self.kind}"


class QualitySignal(models.Model):
    """One measurement of a person's quality that crossed its policy's threshold, with the
    evidence it was taken on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="quality_signals")
    kind = models.CharField(max_length=32, choices=CredentialKind.choices)
    measure = models.CharField(max_length=16, help_text="accuracy or rejection_rate")
    value = models.DecimalField(max_digits=5, decimal_places=4)
    checks = models.PositiveIntegerField()
    threshold = models.DecimalField(max_digits=4, decimal_places=3)
    window_days = models.PositiveIntegerField()
    # Functional signals: the task whose figure failed.
    task = models.ForeignKey(Task, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.measure} {self.value} of {self.user_id} ({self.kind})"


class ExportJob(BackgroundJob):
    """One export of labels that passed review, written to storage as it streams."""

    task_path = "review.tasks.run_export"

    class Format(models.TextChoices):
        JSONL = "jsonl", "JSON Lines"
        CSV = "csv", "CSV"
        LABEL_STUDIO = "labelstudio", "Label Studio JSON"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="exports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.JSONL)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    # Exports of safety labels go to a storage of their own, never beside other exports.
    safety_file = models.FileField(upload_to="safety-exports/%Y/%m/", blank=True,
                                   storage=safety_export_storage)
    created_at = models.DateTimeField()

    class Meta(BackgroundJob.Meta):
        permissions = [
            ("export_labels", "Can export functional labels that passed review"),
            ("export_safety_labels", "Can export approved safety labels"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of task {self.task_id}"

    @property
    def output(self):
        """The written file, in the storage its kind of labels goes to."""
        return self.safety_file if self.safety_file else self.file
