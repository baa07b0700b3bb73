import pytest
from django.db import transaction

from config.transactions import TransactionRequired, transaction_required


@transaction_required
def step(value: int) -> int:
    return value * 2


@transaction_required(using="safety")
def safety_step() -> str:
    return "written"


@pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                       serialized_rollback=True)
class TestTransactionRequired:
    def test_refuses_a_call_outside_a_transaction_naming_the_step(self):
        with pytest.raises(TransactionRequired, match="step writes inside its caller"):
            step(2)

    def test_runs_inside_the_callers_transaction(self):
        with transaction.atomic():
            assert step(2) == 4

    def test_checks_the_database_it_names(self):
        with transaction.atomic(), pytest.raises(TransactionRequired, match="'safety'"):
            safety_step()

        with transaction.atomic(using="safety"):
            assert safety_step() == "written"
