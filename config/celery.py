"""The Celery application. Its configuration comes from Django settings (CELERY_* names)."""

import importlib
import os

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("awm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task_path: str, **kwargs) -> None:
    """Send the Celery task at ``task_path`` ("review.tasks.draw_sample") with ``kwargs``.
    Named by path, so that services need not import their app's tasks module (which imports
    the services) and a lower layer can start work of a higher one it does not import."""
    module, name = task_path.rsplit(".", 1)
    getattr(importlib.import_module(module), name).delay(**kwargs)


def enqueue_on_commit(task_path: str, **kwargs) -> None:
    """Enqueue once the current transaction commits. The work it starts follows what has
    committed: a failure to enqueue is logged, never raised into a request whose change is
    already stored (the periodic sweeps start what was not enqueued)."""
    transaction.on_commit(lambda: enqueue(task_path, **kwargs), robust=True)
