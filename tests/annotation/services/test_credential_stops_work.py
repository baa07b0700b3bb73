"""Suspending, revoking or letting lapse an annotation credential hands the person's items back
to the pool in the same transaction, in every task of the credential's kind and no other."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.models import Item, Lease
from annotation.services import lease_next
from annotators.models import Credential, CredentialKind
from annotators.services import credential_revoke, credential_suspend, workforce_sweep
from annotators.signals import credential_stopped
from audit.models import AuditEvent
from tests.annotation_setup import join, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_tracks(manager, annotator, functional_task, safety_task):
    """The annotator holds an item in a functional task and one in a safety task."""
    join(manager, functional_task, annotator)
    join(manager, safety_task, annotator)
    return (lease_next(user=annotator, task_id=functional_task.pk),
            lease_next(user=annotator, task_id=safety_task.pk))


def credential(user, kind):
    return Credential.objects.get(user=user, kind=kind, status=Credential.Status.ACTIVE)


def state(lease):
    lease.refresh_from_db()
    return lease.state


def test_suspending_hands_back_the_items_of_that_kind_only(manager, annotator, both_tracks):
    functional, safety = both_tracks
    slots_before = Item.objects.get(pk=functional.item_id).open_slots

    credential_suspend(actor=manager, reason="Quality check",
                       credential_id=credential(annotator, CredentialKind.FUNCTIONAL_ANNOTATE).pk)

    assert state(functional) == Lease.State.RELEASED
    assert Item.objects.get(pk=functional.item_id).open_slots == slots_before + 1
    assert state(safety) == Lease.State.ACTIVE
    event = AuditEvent.objects.get(action="leases.released")
    assert event.data["user_id"] == annotator.pk
    assert event.data["leases_released"] == 1
    assert event.data["credential_status"] == Credential.Status.SUSPENDED


def test_revoking_hands_back_the_items(manager, annotator, both_tracks):
    functional, safety = both_tracks

    credential_revoke(actor=manager, reason="Left the team",
                      credential_id=credential(annotator, CredentialKind.SAFETY_ANNOTATE).pk)

    assert state(safety) == Lease.State.RELEASED
    assert state(functional) == Lease.State.ACTIVE


def test_expiry_by_the_sweep_hands_back_the_items(manager, annotator, both_tracks):
    functional, _ = both_tracks
    Credential.objects.filter(user=annotator, kind=CredentialKind.FUNCTIONAL_ANNOTATE) \
        .update(expires_at=timezone.now() - timedelta(minutes=1))

    assert workforce_sweep()["expired"] == 1

    assert state(functional) == Lease.State.RELEASED


def test_a_review_credential_stopping_leaves_annotation_work_alone(manager, annotator,
                                                                   both_tracks):
    functional, _ = both_tracks
    reviewing_task = make_task(manager, kind="functional", name="Other task", items=2)
    join(manager, reviewing_task, annotator, "review")

    credential_suspend(actor=manager, reason="Pause reviews",
                       credential_id=credential(annotator, CredentialKind.FUNCTIONAL_REVIEW).pk)

    assert state(functional) == Lease.State.ACTIVE
    assert not AuditEvent.objects.filter(action="leases.released").exists()


def test_suspending_through_the_api_frees_the_item_for_someone_else(
        manager_client, manager, annotator, both_tracks, functional_task):
    functional, _ = both_tracks
    url = reverse("api:workforce:credential-suspend",
                  args=[credential(annotator, CredentialKind.FUNCTIONAL_ANNOTATE).pk])

    response = manager_client.post(url, {"reason": "Quality check"},
                                   content_type="application/json")

    assert response.status_code == 200, response.content
    assert state(functional) == Lease.State.RELEASED
    assert Lease.objects.filter(user=annotator, state=Lease.State.ACTIVE,
                                task=functional_task).count() == 0


def test_the_items_go_back_in_the_suspensions_transaction(manager, annotator, both_tracks):
    functional, _ = both_tracks
    held = credential(annotator, CredentialKind.FUNCTIONAL_ANNOTATE)

    def fail_after_release(sender, **kwargs):
        raise RuntimeError("the suspension fails after its items were handed back")

    credential_stopped.connect(fail_after_release, dispatch_uid="test.fail_after_release")
    try:
        with pytest.raises(RuntimeError):
            credential_suspend(actor=manager, reason="Quality check", credential_id=held.pk)
    finally:
        credential_stopped.disconnect(dispatch_uid="test.fail_after_release")

    assert state(functional) == Lease.State.ACTIVE
    held.refresh_from_db()
    assert held.status == Credential.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="leases.released").exists()
