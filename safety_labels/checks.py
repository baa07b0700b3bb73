"""A system check that keeps the safety store free of relations to the other database."""

from django.apps import apps
from django.core import checks
from django.db.models import Model

from config.db_router import SAFETY_APP


def relation_errors(*models: type[Model]) -> list[checks.Error]:
    """Return an error for each relation of ``models`` to a model outside the safety store."""
    errors = []
    for model in models:
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if related is not None and related._meta.app_label != SAFETY_APP:
                errors.append(checks.Error(
                    f"{model._meta.label}.{field.name} relates to {related._meta.label}, which "
                    "lives in another database.",
                    hint="Store the other row's id in a plain integer field and check it in a "
                         "service.",
                    obj=model,
                    id="safety_labels.E001",
                ))
    return errors


@checks.register(checks.Tags.models)
def no_relation_leaves_the_safety_store(app_configs=None, **kwargs) -> list[checks.Error]:
    return relation_errors(*apps.get_app_config(SAFETY_APP).get_models())
