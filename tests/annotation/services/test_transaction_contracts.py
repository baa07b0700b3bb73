"""The steps that write inside their caller's transaction refuse to run outside one, instead
of committing row by row."""

import pytest
from django.utils import timezone

from annotation.models import Batch, Task
from annotation.services.leases import (
    lease_close_submitted,
    leases_release,
    leases_release_for_stopped_credential,
)
from annotation.services.rework import (
    batch_items_close,
    batch_transition,
    batches_mark_exported,
    functional_labels_supersede,
    functional_work_return,
    safety_leases_supersede,
)
from annotation.services.tasks import capacity_recheck
from config.transactions import TransactionRequired

STEPS = {
    "leases_release": lambda: leases_release(user_id=1),
    "leases_release_for_stopped_credential": lambda: leases_release_for_stopped_credential(
        None, credential_id=1, user_id=1, kind="functional_annotate", status="suspended"),
    "lease_close_submitted": lambda: lease_close_submitted(lease_id=1, item_id=1),
    "functional_labels_supersede": lambda: functional_labels_supersede(label_ids=[1]),
    "safety_leases_supersede": lambda: safety_leases_supersede(lease_ids=[1]),
    "functional_work_return": lambda: functional_work_return(user_id=1),
    "batches_mark_exported": lambda: batches_mark_exported(batch_ids=[1], at=timezone.now()),
    "batch_transition": lambda: batch_transition(actor=None, batch=Batch(state="open"),
                                                 to="annotating"),
    "batch_items_close": lambda: batch_items_close(batch=Batch(pk=1)),
    "capacity_recheck": lambda: capacity_recheck(task=Task(pk=1), actor=None, reason="test"),
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_step_outside_a_transaction_is_refused(step):
    with pytest.raises(TransactionRequired, match="open one on the 'default' database"):
        STEPS[step]()
