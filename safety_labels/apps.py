from django.apps import AppConfig


class SafetyLabelsConfig(AppConfig):
    name = "safety_labels"
    verbose_name = "Safety labels"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
