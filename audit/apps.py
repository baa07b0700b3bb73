from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from axes.models import AccessAttempt
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import post_delete

        from . import receivers

        user_logged_in.connect(receivers.on_user_logged_in,
                               dispatch_uid="audit.user_logged_in")
        user_login_failed.connect(receivers.on_user_login_failed,
                                  dispatch_uid="audit.user_login_failed")
        user_locked_out.connect(receivers.on_user_locked_out,
                                dispatch_uid="audit.user_locked_out")
        post_delete.connect(receivers.on_access_attempt_deleted, sender=AccessAttempt,
                            dispatch_uid="audit.access_attempt_deleted")
