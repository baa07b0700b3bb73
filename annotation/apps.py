from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from annotators.signals import credential_stopped

        from . import signals
        from .services import leases_release_for_stopped_credential

        signals.connect()
        credential_stopped.connect(leases_release_for_stopped_credential,
                                   dispatch_uid="annotation.free_work_of_stopped_credential")
