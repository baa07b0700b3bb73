import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from annotation.models import FunctionalLabel, Item, Lease
from annotation.services import (
    lease_next,
    lease_submit,
    leases_expire_due,
    safety_labels_reconcile,
    task_update,
)
from annotation.services.labels import LabelInvalid
from annotation.services.leases import LeaseNotFound, LeaseRefused, WorkRefused
from safety_labels.models import SafetyLabel
from safety_labels.services import InvalidSafetyLabel
from tests.annotation_setup import join
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def submit(user, lease, label=GOOD_FUNCTIONAL, **kwargs):
    return lease_submit(user=user, lease_id=lease.pk,
                        client_id=kwargs.pop("client_id", uuid.uuid4()), label=label, **kwargs)


def crash_on_close(**kwargs):
    raise RuntimeError("power cut")


class TestFunctionalLabels:
    def test_a_retried_submission_returns_the_same_label(self, working_annotator,
                                                         functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        client_id = uuid.uuid4()

        first = submit(working_annotator, lease, client_id=client_id)
        again = submit(working_annotator, lease, client_id=client_id)

        assert first.created
        assert not again.created
        assert first.label_id == again.label_id
        assert FunctionalLabel.objects.filter(annotator=working_annotator).count() == 1
        assert Item.objects.get(pk=lease.item_id).labels_done == 1

    def test_a_second_submission_of_one_lease_is_refused(self, working_annotator,
                                                         functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        submit(working_annotator, lease)

        with pytest.raises(LeaseRefused, match="submitted"):
            submit(working_annotator, lease)

        assert FunctionalLabel.objects.filter(annotator=working_annotator).count() == 1

    def test_a_label_must_fit_the_label_specification(self, working_annotator,
                                                      functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with pytest.raises(LabelInvalid) as error:
            submit(working_annotator, lease, label={"payload": {"best_quality": 9}})

        assert any("from 1 to 5" in line for line in error.value.detail["payload"])
        lease.refresh_from_db()
        assert lease.state == "active"

    def test_a_lease_of_someone_else_is_not_found(self, manager, working_annotator, reviewer,
                                                  functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with pytest.raises(LeaseNotFound):
            submit(reviewer, lease)

        assert Lease.objects.get(pk=lease.pk).state == Lease.State.ACTIVE

    def test_a_fast_label_is_accepted_and_flagged(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.started_at + timedelta(seconds=19), tick=False):
            result = submit(working_annotator, lease)

        assert result.too_fast is True
        assert FunctionalLabel.objects.get(pk=result.label_id).too_fast is True

    def test_a_label_in_time_is_not_flagged(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.started_at + timedelta(seconds=30)):
            result = submit(working_annotator, lease)

        assert result.too_fast is False
        assert FunctionalLabel.objects.get(pk=result.label_id).too_fast is False

    def test_submit_can_hand_back_the_next_lease(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        result = submit(working_annotator, lease, then_next=True)

        assert result.next_lease is not None
        assert result.next_lease.item_id != lease.item_id


class TestSafetyLabels:
    def test_lands_in_the_safety_database_awaiting_approval(self, manager, annotator,
                                                           safety_task):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        result = submit(annotator, lease, label={"risk_codes": ["A.4.e"],
                                                 "spans": [{"start": 0, "end": 4,
                                                            "code": "A.4.e"}],
                                                 "note": "names a person"})

        label = SafetyLabel.objects.using("safety").get(pk=result.label_id)
        assert label.status == "submitted"
        assert label.lease_id == lease.pk
        assert label.rule_version_id == safety_task.rule_version_id
        lease.refresh_from_db()
        assert lease.state == "submitted"

    @pytest.mark.parametrize(("label", "message"), [
        ({"risk_codes": []}, "or \"no risk\" explicitly"),
        ({"risk_codes": ["A.1.a"], "no_risk": True}, "not both"),
        ({"risk_codes": ["A.9.z"]}, "Unknown risk codes"),
        ({"risk_codes": ["A.1.a"], "spans": [{"start": 5, "end": 999}]}, "Span 1"),
    ])
    def test_refuses_a_malformed_safety_label(self, manager, annotator, safety_task, label,
                                              message):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        with pytest.raises(InvalidSafetyLabel, match=message):
            submit(annotator, lease, label=label)

        assert not SafetyLabel.objects.filter(annotator_id=annotator.pk).exists()
        assert Lease.objects.get(pk=lease.pk).state == Lease.State.ACTIVE

    def test_refuses_a_safety_label_that_is_not_an_object(self, manager, annotator,
                                                          safety_task):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        with pytest.raises(LabelInvalid, match="an object with risk_codes"):
            submit(annotator, lease, label=["A.1.a"])

        assert not SafetyLabel.objects.filter(annotator_id=annotator.pk).exists()

    def test_a_retried_safety_submission_returns_the_same_label(self, manager, annotator,
                                                               safety_task):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)
        client_id = uuid.uuid4()

        first = submit(annotator, lease, label={"no_risk": True}, client_id=client_id)
        again = submit(annotator, lease, label={"no_risk": True}, client_id=client_id)

        assert first.created
        assert not again.created
        assert first.label_id == again.label_id
        assert SafetyLabel.objects.filter(annotator_id=annotator.pk).count() == 1

    def test_no_risk_is_an_explicit_answer(self, manager, annotator, safety_task):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        result = submit(annotator, lease, label={"no_risk": True})

        assert SafetyLabel.objects.get(pk=result.label_id).no_risk is True

    def test_a_crash_between_the_databases_is_repaired(self, manager, annotator, safety_task,
                                                       monkeypatch):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)
        monkeypatch.setattr("annotation.services.labels.lease_close_submitted", crash_on_close)
        with pytest.raises(RuntimeError):
            submit(annotator, lease, label={"no_risk": True})
        monkeypatch.undo()

        lease.refresh_from_db()
        assert lease.state == "active"
        with time_machine.travel(lease.expires_at + timedelta(seconds=1)):
            leases_expire_due()
        lease.refresh_from_db()
        assert lease.state == "submitted"
        assert safety_labels_reconcile() == 0
        item = Item.objects.get(pk=lease.item_id)
        assert (item.labels_done, item.open_slots) == (1, 0)

    def test_the_reconciler_closes_a_lease_left_open(self, manager, annotator, safety_task,
                                                     monkeypatch):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)
        monkeypatch.setattr("annotation.services.labels.lease_close_submitted", crash_on_close)
        with pytest.raises(RuntimeError):
            submit(annotator, lease, label={"no_risk": True})
        monkeypatch.undo()

        repaired, again = safety_labels_reconcile(), safety_labels_reconcile()

        assert (repaired, again) == (1, 0)
        lease.refresh_from_db()
        assert lease.state == "submitted"

    def test_the_exposure_cap_stops_new_leases(self, manager, annotator, safety_task):
        task_update(actor=manager, task_id=safety_task.pk,
                    changes={"daily_exposure_cap_minutes": 10, "lease_multiple": 20})
        join(manager, safety_task, annotator)
        start = timezone.now().replace(hour=9, minute=0)
        with time_machine.travel(start, tick=False) as clock:
            lease = lease_next(user=annotator, task_id=safety_task.pk)
            clock.shift(timedelta(minutes=11))
            submit(annotator, lease, label={"no_risk": True})

            with pytest.raises(WorkRefused, match="limit of 10 minutes"):
                lease_next(user=annotator, task_id=safety_task.pk)

        assert Lease.objects.filter(user=annotator).count() == 1
