"""Demo compliance for seed_demo: the report of the demo's days, frozen by the manager."""

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from compliance.models import ComplianceSnapshot
from compliance.services import snapshot_freeze


def seed_compliance(*, manager: AbstractBaseUser) -> list[str]:
    if ComplianceSnapshot.objects.exists():
        return ["Compliance: a frozen report exists"]
    today = timezone.localdate()
    snapshot = snapshot_freeze(actor=manager, period_from=today - timedelta(days=6),
                               period_to=today)
    return [f"Compliance: the report of the last seven days frozen "
            f"({snapshot.report['status']}, hash {snapshot.report_hash[:16]}…)"]
