"""The 31 risk categories of the standard's Appendix A."""

from django.db import models


class ReadOnlyReference(Exception):
    """Raised on any attempt to change the reference data of Appendix A."""


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
