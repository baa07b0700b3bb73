import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from annotation.models import FunctionalLabel, Item, Lease
from annotation.services import (
    lease_next,
    lease_skip,
    lease_submit,
    leases_expire_due,
    membership_add,
    membership_remove,
    safety_labels_reconcile,
    task_set_state,
)
from annotation.services.memberships import CredentialMissing, SecondFunctionRefused
from annotation.services.work import (
    AcknowledgementRequired,
    LabelInvalid,
    LeaseRefused,
    NotAnAnnotator,
    TaskNotActive,
    WorkRefused,
)
from annotators.services import credential_suspend
from safety_labels.models import SafetyLabel
from tests.annotation_setup import join
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

GOOD = GOOD_FUNCTIONAL


def submit(user, lease, label=GOOD, **kwargs):
    return lease_submit(user=user, lease_id=lease.pk, client_id=kwargs.pop("client_id",
                                                                             uuid.uuid4()),
                        label=label, **kwargs)


class TestMemberships:
    def test_one_person_one_function_per_task(self, manager, reviewer, functional_task):
        join(manager, functional_task, reviewer, "review")

        with pytest.raises(SecondFunctionRefused, match="already has the function 'review'"):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=reviewer.pk,
                           function="annotate")

    def test_a_member_needs_the_matching_credential(self, manager, annotator, functional_task):
        with pytest.raises(CredentialMissing, match="functional annotation"):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=annotator.pk,
                           function="annotate")

    def test_membership_is_mirrored_into_object_permissions(self, manager, working_annotator,
                                                            functional_task):
        assert working_annotator.has_perm("annotation.annotate_task", functional_task)
        assert not working_annotator.has_perm("annotation.review_task", functional_task)

    def test_removing_a_member_releases_their_lease(self, manager, working_annotator,
                                                    functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        membership = working_annotator.memberships.get()

        membership_remove(actor=manager, membership_id=membership.pk)

        lease.refresh_from_db()
        assert lease.state == "released"
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        fresh = type(working_annotator).objects.get(pk=working_annotator.pk)
        assert not fresh.has_perm("annotation.annotate_task", functional_task)


class TestLeases:
    def test_next_hands_an_item_and_returns_the_same_lease_until_done(self, working_annotator,
                                                                      functional_task):
        first = lease_next(user=working_annotator, task_id=functional_task.pk)
        again = lease_next(user=working_annotator, task_id=functional_task.pk)

        assert first.pk == again.pk
        assert Item.objects.get(pk=first.item_id).open_slots == 0

    def test_nobody_gets_an_item_twice_and_labels_fill_every_slot(self, working_annotator,
                                                                  functional_task):
        seen = []
        while (lease := lease_next(user=working_annotator, task_id=functional_task.pk)):
            seen.append(lease.item_id)
            submit(working_annotator, lease)

        assert len(seen) == len(set(seen)) == 5
        assert FunctionalLabel.objects.filter(annotator=working_annotator).count() == 5
        assert set(Item.objects.values_list("labels_done", flat=True)) == {1}

    def test_a_non_member_gets_404(self, reviewer, functional_task):
        with pytest.raises(NotAnAnnotator):
            lease_next(user=reviewer, task_id=functional_task.pk)

    def test_a_reviewer_of_the_task_cannot_annotate(self, manager, reviewer, functional_task):
        join(manager, functional_task, reviewer, "review")

        with pytest.raises(NotAnAnnotator):
            lease_next(user=reviewer, task_id=functional_task.pk)

    def test_acknowledgement_of_the_rules_comes_first(self, manager, annotator,
                                                      functional_task):
        join(manager, functional_task, annotator, acknowledge=False)

        with pytest.raises(AcknowledgementRequired):
            lease_next(user=annotator, task_id=functional_task.pk)

    def test_a_suspended_annotator_is_refused_and_their_lease_released(
            self, manager, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        credential = working_annotator.credentials.get(kind="functional_annotate")

        credential_suspend(actor=manager, credential_id=credential.pk, reason="Check")

        with pytest.raises(WorkRefused, match="no active functional annotation credential"):
            submit(working_annotator, lease)
        lease.refresh_from_db()
        assert lease.state == "released"
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        with pytest.raises(WorkRefused):
            lease_next(user=working_annotator, task_id=functional_task.pk)

    def test_a_paused_task_refuses_work(self, manager, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        task_set_state(actor=manager, task_id=functional_task.pk, state="paused")

        with pytest.raises(TaskNotActive):
            submit(working_annotator, lease)
        with pytest.raises(TaskNotActive):
            lease_next(user=working_annotator, task_id=functional_task.pk)

    def test_a_lapsed_lease_returns_to_the_pool_and_a_late_submit_is_refused(
            self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.expires_at + timedelta(seconds=1)):
            assert leases_expire_due() == 1
            with pytest.raises(LeaseRefused, match="expired"):
                submit(working_annotator, lease)

        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        assert not FunctionalLabel.objects.exists()

    def test_a_late_submit_before_the_sweep_is_refused_too(self, working_annotator,
                                                           functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.expires_at + timedelta(seconds=1)), \
                pytest.raises(LeaseRefused, match="ran out"):
            submit(working_annotator, lease)

        assert Item.objects.get(pk=lease.item_id).open_slots == 1

    def test_skipping_needs_a_reason_and_never_hands_the_item_back(self, working_annotator,
                                                                   functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with pytest.raises(LabelInvalid):
            lease_skip(user=working_annotator, lease_id=lease.pk, reason=" ")
        lease_skip(user=working_annotator, lease_id=lease.pk, reason="Not in my language")
        following = lease_next(user=working_annotator, task_id=functional_task.pk)

        assert following.item_id != lease.item_id
        assert Item.objects.get(pk=lease.item_id).open_slots == 1


class TestLabels:
    def test_a_retried_submission_returns_the_same_label(self, working_annotator,
                                                         functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        client_id = uuid.uuid4()

        first = submit(working_annotator, lease, client_id=client_id)
        again = submit(working_annotator, lease, client_id=client_id)

        assert first.created
        assert not again.created
        assert first.label_id == again.label_id
        assert FunctionalLabel.objects.count() == 1
        assert Item.objects.get(pk=lease.item_id).labels_done == 1

    def test_a_second_submission_of_one_lease_is_refused(self, working_annotator,
                                                         functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        submit(working_annotator, lease)

        with pytest.raises(LeaseRefused, match="submitted"):
            submit(working_annotator, lease)

    def test_a_label_must_fit_the_label_specification(self, working_annotator,
                                                      functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with pytest.raises(LabelInvalid) as error:
            submit(working_annotator, lease, label={"payload": {"best_quality": 9}})

        assert any("from 1 to 5" in line for line in error.value.detail["payload"])
        lease.refresh_from_db()
        assert lease.state == "active"

    def test_a_fast_label_is_accepted_and_flagged(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        result = submit(working_annotator, lease)

        assert result.too_fast is True
        assert FunctionalLabel.objects.get().too_fast is True

    def test_a_label_in_time_is_not_flagged(self, working_annotator, functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)

        with time_machine.travel(lease.started_at + timedelta(seconds=30)):
            result = submit(working_annotator, lease)

        assert result.too_fast is False

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

        with pytest.raises(Exception, match=message):
            submit(annotator, lease, label=label)

        assert not SafetyLabel.objects.exists()

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
        assert SafetyLabel.objects.count() == 1

    def test_no_risk_is_an_explicit_answer(self, manager, annotator, safety_task):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        submit(annotator, lease, label={"no_risk": True})

        assert SafetyLabel.objects.get().no_risk is True

    def test_a_crash_between_the_databases_is_repaired(self, manager, annotator, safety_task,
                                                       monkeypatch):
        join(manager, safety_task, annotator)
        lease = lease_next(user=annotator, task_id=safety_task.pk)

        def crash(lease_id, item_id):
            raise RuntimeError("power cut")

        monkeypatch.setattr("annotation.services.work._close_submitted", crash)
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
        monkeypatch.setattr("annotation.services.work._close_submitted",
                            lambda lease_id, item_id: (_ for _ in ()).throw(RuntimeError("crash")))
        with pytest.raises(RuntimeError):
            submit(annotator, lease, label={"no_risk": True})
        monkeypatch.undo()

        assert safety_labels_reconcile() == 1
        assert safety_labels_reconcile() == 0
        lease.refresh_from_db()
        assert lease.state == "submitted"

    def test_the_exposure_cap_stops_new_leases(self, manager, annotator, safety_task):
        from annotation.services import task_update

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


class TestWorkQueueSteps:
    def test_a_person_far_ahead_pays_a_few_steps_not_one_per_item(self, manager):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from annotators.models import Role
        from tests.annotation_setup import make_task
        from tests.conftest import make_person

        task = make_task(manager, kind="functional", name="Far ahead", items=400,
                         labels_per_item=2, minimum_seconds_per_item=0)
        ahead = make_person("ann.ahead", Role.ANNOTATOR)
        join(manager, task, ahead)
        for _ in range(300):
            submit(ahead, lease_next(user=ahead, task_id=task.pk))

        with CaptureQueriesContext(connection) as queries:
            lease = lease_next(user=ahead, task_id=task.pk)

        assert lease.item_id == Item.objects.filter(task=task).order_by("id")[300].pk
        assert len(queries) < 25
