"""Send the segregated safety store to its own database and everything else to ``default``."""

from django.db.models import Model

SAFETY_APP = "safety_labels"
SAFETY_DB = "safety"
DEFAULT_DB = "default"


def database_for_app(app_label: str) -> str:
    return SAFETY_DB if app_label == SAFETY_APP else DEFAULT_DB


class SafetyRouter:
    """Route ``safety_labels`` models to the ``safety`` alias, all others to ``default``.

    Reads, writes, relations and migrations follow the same rule, so a table exists in one
    database only and no relation crosses between the two.
    """

    def db_for_read(self, model: type[Model], **hints) -> str:
        return database_for_app(model._meta.app_label)

    def db_for_write(self, model: type[Model], **hints) -> str:
        return database_for_app(model._meta.app_label)

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        home1 = database_for_app(obj1._meta.app_label)
        home2 = database_for_app(obj2._meta.app_label)
        # A row read from (or saved to) another database than its home is refused as well.
        where1 = obj1._state.db or home1
        where2 = obj2._state.db or home2
        return home1 == home2 == where1 == where2

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints) -> bool:
        return db == database_for_app(app_label)
