"""Reactions of the review app to events of the layers below it: each enqueues the review
work the event calls for (run at once where tasks run eagerly)."""

from annotation.signals import batch_submitted, correction_submitted
from annotators.models import CredentialKind
from annotators.signals import credential_disqualified
from config.celery import enqueue


def _draw_the_sample(sender, *, batch_id: int, **kwargs) -> None:
    enqueue("review.tasks.draw_sample", batch_id=batch_id)


def _check_the_correction(sender, *, label_id: int, **kwargs) -> None:
    enqueue("review.tasks.queue_recheck", label_id=label_id)


def _withdraw_approvals(sender, *, user_id: int, kind: str, status: str, credential_id: int,
                        **kwargs) -> None:
    if kind == CredentialKind.SAFETY_REVIEW:
        enqueue("review.tasks.withdraw_approvals", credential_id=credential_id,
                reason=f"credential {credential_id} {status}")


def connect() -> None:
    batch_submitted.connect(_draw_the_sample, dispatch_uid="review.draw_submitted_batch")
    correction_submitted.connect(_check_the_correction, dispatch_uid="review.recheck_label")
    credential_disqualified.connect(_withdraw_approvals,
                                    dispatch_uid="review.withdraw_approvals")
