from django.apps import AppConfig


class AnnotatorsConfig(AppConfig):
    name = "annotators"
    verbose_name = "Workforce"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import pre_save

        from . import schema  # noqa: F401  (registers the schema of the token authentication)
        from .services.accounts import user_saving

        pre_save.connect(user_saving, sender=settings.AUTH_USER_MODEL,
                         dispatch_uid="annotators.revoke_tokens_of_deactivated_accounts")
