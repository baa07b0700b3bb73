"""The periodic sweeps that put leases right: lapsed leases go back to the pool, and the
leases of safety labels committed before a crash are closed as labelled. Each lease is
settled in a transaction of its own, so that one that cannot be does not hold up the rest.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from rules.models import RuleSet
from safety_labels.models import SafetyLabel
from safety_labels.selectors import safety_labels_for_leases

from ..models import Lease
from .leases import lease_close_submitted, lease_lapse

logger = logging.getLogger(__name__)

# Lapsed leases settled by one run of the sweep; the next run takes the rest.
EXPIRE_PER_RUN = 5000


def leases_expire_due() -> int:
    """Return lapsed leases to the pool; a lease whose safety label was committed is closed
    as labelled instead. Functional leases lapse even while the safety database is down:
    only the safety ones wait for it. Returns how many lapsed."""
    due = list(Lease.objects.filter(state=Lease.State.ACTIVE, expires_at__lt=timezone.now())
               .values_list("pk", "task__kind")[:EXPIRE_PER_RUN])
    safety = [pk for pk, kind in due if kind == RuleSet.Kind.SAFETY]
    try:
        labelled = set(safety_labels_for_leases(lease_ids=safety)) if safety else set()
    except DatabaseError:
        logger.warning("The safety database is out of reach: %d lapsed safety lease(s) wait "
                       "for the next sweep.", len(safety), exc_info=True)
        due = [(pk, kind) for pk, kind in due if kind != RuleSet.Kind.SAFETY]
        labelled = set()
    expired = 0
    for lease_id, kind in due:
        outcome = lease_lapse(lease_id=lease_id,
                              labelled=kind == RuleSet.Kind.SAFETY and lease_id in labelled)
        expired += outcome == Lease.State.EXPIRED
    return expired


def safety_labels_reconcile(*, since_hours: int = 48) -> int:
    """Close the leases of safety labels committed in the safety database whose lease here
    was never closed (a crash between the two commits). Returns how many were repaired.

    A label rejected or withdrawn since has sent its item back on purpose (its lease is
    superseded); such labels are left alone."""
    since = timezone.now() - timedelta(hours=since_hours)
    lease_ids = list(SafetyLabel.objects.filter(submitted_at__gte=since).exclude(
        status__in=[SafetyLabel.Status.REJECTED, SafetyLabel.Status.SUPERSEDED])
        .values_list("lease_id", flat=True))
    unclosed = Lease.objects.filter(pk__in=lease_ids).exclude(
        state__in=[Lease.State.SUBMITTED, Lease.State.SUPERSEDED]).values_list("pk", "item_id")
    repaired = 0
    for lease_id, item_id in unclosed:
        try:
            with transaction.atomic():
                repaired += lease_close_submitted(lease_id=lease_id, item_id=item_id)
        except IntegrityError:
            # One lease that cannot be closed (its item was handed out again meanwhile)
            # must not stop the repair of the others.
            logger.exception("Lease %s of a committed safety label could not be closed.",
                             lease_id)
    return repaired
