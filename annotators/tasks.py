from celery import shared_task

from .services import workforce_sweep


@shared_task
def run_workforce_sweep() -> dict:
    """The daily sweep of credentials, retraining and reassessment."""
    return workforce_sweep()
