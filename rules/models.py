"""The 31 risk categories of Appendix A, and the versioned rules that annotators work by."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.errors import Conflict, NotAllowed


class ReadOnlyReference(NotAllowed):
    """Raised on any attempt to change the reference data of Appendix A."""

    code = "risk_reference_read_only"


class ReadOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ReadOnlyReference("The risk categories of Appendix A are read-only.")

    def delete(self):
        raise ReadOnlyReference("The risk categories of Appendix A are read-only.")

    def bulk_create(self, objs, *args, **kwargs):
        raise ReadOnlyReference("The risk categories of Appendix A are read-only.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ReadOnlyReference("The risk categories of Appendix A are read-only.")


class ReadOnlyModel(models.Model):
    """A row written once by a data migration and never through the application."""

    objects = ReadOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        raise ReadOnlyReference(f"{self._meta.verbose_name} rows are read-only.")

    def delete(self, *args, **kwargs):
        raise ReadOnlyReference(f"{self._meta.verbose_name} rows are read-only.")


class RiskGroup(ReadOnlyModel):
    """One of the five groups A.1 to A.5."""

    code = models.CharField(max_length=8, unique=True)
    title_en = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(unique=True)

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"


class RiskCategory(ReadOnlyModel):
    """One of the 31 main safety risks, coded ``A.1.a`` to ``A.5.b``."""

    code = models.CharField(max_length=8, unique=True)
    group = models.ForeignKey(RiskGroup, on_delete=models.PROTECT, related_name="categories")
    name_en = models.CharField(max_length=300)
    name_zh = models.CharField(max_length=200)
    # Whether name_zh is quoted from the standard's own text or rendered from the English.
    name_zh_from_standard = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        verbose_name_plural = "risk categories"

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class VersionIsImmutable(Conflict):
    """Raised when anything tries to change a published or retired rule version: the last
    guard, below the services, which refuse the same with their own errors first."""

    code = "rule_version_immutable"


def _refuse_unless_draft(version_id: int | None) -> None:
    status = RuleVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
    if status is not None and status != RuleVersion.Status.DRAFT:
        raise VersionIsImmutable(f"Version {version_id} is {status}; its risk rules never change.")


class RuleVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.exclude(status=RuleVersion.Status.DRAFT).exists():
            raise VersionIsImmutable("Only draft rule versions can be updated.")
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status=RuleVersion.Status.DRAFT).exists():
            raise VersionIsImmutable("Only draft rule versions can be deleted.")
        return super().delete()


class RiskRuleQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for version_id in {obj.version_id for obj in objs}:
            _refuse_unless_draft(version_id)
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        if self.exclude(version__status=RuleVersion.Status.DRAFT).exists():
            raise VersionIsImmutable("Risk rules of a published version never change.")
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(version__status=RuleVersion.Status.DRAFT).exists():
            raise VersionIsImmutable("Risk rules of a published version never change.")
        return super().delete()


class RuleSet(models.Model):
    """A named body of annotation rules of one kind, for one domain, with numbered versions."""

    class Kind(models.TextChoices):
        FUNCTIONAL = "functional", "Functional"
        SAFETY = "safety", "Safety"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    domain = models.CharField(max_length=200, help_text="The field the rules serve, e.g. "
                                                        "'chatbot answers, general knowledge'.")
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="owned_rule_sets")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("manage_rules", "Can write, publish, retire and import rules")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class SamplingScheme(models.TextChoices):
    ISO_2859_1 = "iso2859_1", "ISO 2859-1 single sampling by AQL"
    FIXED_RATE = "fixed_rate", "Fixed rate with a minimum count"


class InspectionLevel(models.TextChoices):
    I = "I", "General I"  # noqa: E741
    II = "II", "General II"
    III = "III", "General III"
    S1 = "S-1", "Special S-1"
    S2 = "S-2", "Special S-2"
    S3 = "S-3", "Special S-3"
    S4 = "S-4", "Special S-4"


# The preferred AQL values of ISO 2859-1 (percent nonconforming), as strings for exactness.
AQL_VALUES = ["0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40",
              "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10"]


SECONDS_PER_ITEM_MAX = 86400


class RuleVersion(models.Model):
    """One numbered version of a rule set: a draft, then published (frozen), then retired."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.RETIRED},
        Status.RETIRED: set(),
    }
    # Fields a published version may still change, on its way to retirement.
    RETIREMENT_FIELDS = frozenset({"status", "retired_by", "retired_at"})

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    changelog = models.TextField(blank=True)

    # The required sections (Markdown).
    objectives = models.TextField(blank=True)
    data_formats = models.TextField(blank=True)
    annotation_method = models.TextField(blank=True)
    annotation_guidance = models.TextField(blank=True)
    review_guidance = models.TextField(blank=True)

    # Quality indicators: structured values that sampling, tasks and review read, plus prose.
    quality_notes = models.TextField(blank=True)
    target_accuracy = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True,
        help_text="Share of sampled items that must be accurate, e.g. 0.950.", validators=[
            MinValueValidator(Decimal("0.5"), "A target accuracy below %(limit_value)s accepts "
                                              "batches that are mostly wrong; set 0.5 to 1."),
            MaxValueValidator(Decimal("1"), "A target accuracy is a share: at most 1."),
        ])
    sampling_scheme = models.CharField(max_length=16, choices=SamplingScheme.choices,
                                       default=SamplingScheme.ISO_2859_1)
    aql = models.CharField("AQL", max_length=8, blank=True,
                           choices=[(value, value) for value in AQL_VALUES])
    inspection_level = models.CharField(max_length=4, choices=InspectionLevel.choices,
                                        default=InspectionLevel.II)
    tightened_switching = models.BooleanField(
        default=False, help_text="Switch to tightened inspection after rejected batches.")
    sample_rate = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True,
        help_text="For a fixed-rate plan: share of each batch.", validators=[
            MinValueValidator(Decimal("0.001"), "Sample at least %(limit_value)s of each batch."),
            MaxValueValidator(Decimal("1"), "A sample rate is a share: at most 1."),
        ])
    sample_minimum = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a fixed-rate plan: at least this many items.",
        validators=[MinValueValidator(1, "Sample at least %(limit_value)s item per batch.")])
    expected_seconds_per_item = models.PositiveIntegerField(null=True, blank=True, validators=[
        MinValueValidator(1, "Expect at least %(limit_value)s second per item."),
        MaxValueValidator(SECONDS_PER_ITEM_MAX, "Expect at most %(limit_value)s seconds (a day) "
                                                "per item."),
    ])
    minimum_seconds_per_item = models.PositiveIntegerField(null=True, blank=True, validators=[
        MaxValueValidator(SECONDS_PER_ITEM_MAX, "Require at most %(limit_value)s seconds (a "
                                                "day) per item."),
    ])
    required_approvals = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Safety only: distinct reviewers who approve each label.")

    # Functional only: guidance on the four qualities the standard names, and the label fields.
    guidance_authenticity = models.TextField(blank=True)
    guidance_accuracy = models.TextField(blank=True)
    guidance_objectivity = models.TextField(blank=True)
    guidance_diversity = models.TextField(blank=True)
    label_spec = models.JSONField(default=list, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"],
                                    name="rule_version_number_unique"),
            models.UniqueConstraint(fields=["rule_set"], condition=models.Q(status="draft"),
                                    name="rule_version_one_draft_per_set"),
            models.CheckConstraint(condition=models.Q(required_approvals__isnull=True)
                                   | models.Q(required_approvals__gte=1),
                                   name="rule_version_approvals_at_least_one"),
            models.CheckConstraint(condition=models.Q(status="draft")
                                   | models.Q(published_at__isnull=False),
                                   name="rule_version_published_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.name} v{self.number} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored != self.Status.DRAFT:
                update_fields = kwargs.get("update_fields")
                retiring = (stored == self.Status.PUBLISHED
                            and self.status == self.Status.RETIRED
                            and update_fields is not None
                            and set(update_fields) <= self.RETIREMENT_FIELDS)
                if not retiring:
                    raise VersionIsImmutable(
                        f"{self.rule_set.name} v{self.number} is {stored}; a {stored} version "
                        "never changes. Start a new draft from it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise VersionIsImmutable(f"Version {self.pk} is {self.status} and cannot be deleted.")
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        """Refuse a minimum time per item above the expected time."""
        expected, minimum = self.expected_seconds_per_item, self.minimum_seconds_per_item
        # Against an expected time that is itself refused, the comparison would only add noise.
        if not expected or expected > SECONDS_PER_ITEM_MAX or minimum is None:
            return
        if minimum > expected:
            raise ValidationError({"minimum_seconds_per_item": (
                f"The minimum time ({minimum} s) is above the expected time ({expected} s) "
                "per item; lower it, or raise the expected time.")})

    @property
    def is_safety(self) -> bool:
        return self.rule_set.kind == RuleSet.Kind.SAFETY

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]


class RiskRule(models.Model):
    """How a safety rule version treats one of the 31 risk categories."""

    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="risk_rules")
    category = models.ForeignKey(RiskCategory, on_delete=models.PROTECT, related_name="+")
    definition = models.TextField(blank=True)
    decision_criteria = models.TextField(blank=True)
    positive_examples = models.TextField(blank=True)
    counter_examples = models.TextField(blank=True)
    review_criteria = models.TextField(blank=True)

    objects = RiskRuleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "category"],
                                    name="risk_rule_one_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} in version {self.version_id}"

    def save(self, *args, **kwargs) -> None:
        _refuse_unless_draft(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_unless_draft(self.version_id)
        return super().delete(*args, **kwargs)


class RuleAcknowledgement(models.Model):
    """A worker's statement that they read a published version and will work by it."""

    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT,
                                related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="rule_acknowledgements")
    acknowledged_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"],
                                    name="rule_acknowledgement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} acknowledged version {self.version_id}"
