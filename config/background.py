"""How background work travels and when it runs: the broker's transport options, and what
Celery beat runs (the sweeps and reconcilers that repair what a lost message, a dead worker or
a crash between the two databases left undone; the README's *Running it for real* says what
each repairs)."""

from pathlib import Path

from celery.schedules import crontab


def broker_transport_options(broker_url: str, *, var_dir: Path) -> dict:
    """The transport options of the broker at ``broker_url``."""
    if broker_url.startswith("filesystem://"):
        # A broker that needs no server, for a local run: messages are files under var_dir.
        folders = {name: var_dir / "celery" / name for name in ("queue", "control", "processed")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
                "control_folder": str(folders["control"]),
                "processed_folder": str(folders["processed"]), "store_processed": False}
    if broker_url.startswith(("redis://", "rediss://")):
        return {"socket_connect_timeout": 1, "socket_timeout": 5,
                # An unacknowledged message goes back to the queue after this long. Longer
                # than any task runs (a task past it would be delivered twice, which a
                # claimed job survives); the job sweep restarts stranded jobs well before it.
                "visibility_timeout": 2 * 3600}
    return {}

BEAT_SCHEDULE: dict = {
    "workforce-sweep": {"task": "annotators.tasks.run_workforce_sweep",
                        "schedule": crontab(hour=2, minute=15)},
    "expire-leases": {"task": "annotation.tasks.expire_leases", "schedule": 60.0},
    "reconcile-safety-labels": {"task": "annotation.tasks.reconcile_safety_labels",
                                "schedule": 600.0},
    "sample-complete-batches": {"task": "review.tasks.sample_complete_batches",
                                "schedule": 60.0},
    "reconcile-safety-decisions": {"task": "review.tasks.reconcile_safety_decisions",
                                   "schedule": 600.0},
    "sweep-imports": {"task": "annotation.tasks.sweep_imports", "schedule": 60.0},
    "sweep-exports": {"task": "review.tasks.sweep_exports", "schedule": 60.0},
    "announce-rule-versions": {"task": "annotation.tasks.announce_rule_versions",
                               "schedule": 600.0},
    "evaluate-recent-quality": {"task": "review.tasks.evaluate_recent_quality",
                                "schedule": 600.0, "kwargs": {"since_minutes": 60}},
    "evaluate-quality-of-the-day": {"task": "review.tasks.evaluate_recent_quality",
                                    "schedule": crontab(hour=2, minute=45),
                                    "kwargs": {"since_minutes": 25 * 60}},
}
