"""Clause a.3 for good: one function per person per task, kept after the person leaves."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from annotation.models import Item, Membership
from annotation.services import lease_next, membership_add, membership_remove
from annotation.services.common import TaskPermissionDenied
from annotation.services.leases import NotAnAnnotator
from annotation.services.memberships import (
    CredentialMissing,
    FunctionUnknown,
    MembershipNotFound,
    SecondFunctionRefused,
)
from annotators.models import CredentialKind
from audit.models import AuditEvent
from review.services import sample_check_next
from review.services.common import NotAReviewer
from tests.annotation_setup import grant_credential, join

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


class TestMembershipAdd:
    def test_one_person_one_function_per_task(self, manager, reviewer, functional_task):
        join(manager, functional_task, reviewer, "review")

        with pytest.raises(SecondFunctionRefused, match="already has the function 'review'"):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=reviewer.pk,
                           function="annotate")

    def test_a_member_needs_the_matching_credential(self, manager, annotator, functional_task):
        with pytest.raises(CredentialMissing, match="functional annotation"):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=annotator.pk,
                           function="annotate")

        assert not Membership.objects.filter(user=annotator).exists()

    def test_refuses_an_unknown_function(self, manager, annotator, functional_task):
        grant_credential(manager, annotator, CredentialKind.FUNCTIONAL_ANNOTATE)

        with pytest.raises(FunctionUnknown):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=annotator.pk,
                           function="supervise")

        assert not Membership.objects.filter(user=annotator).exists()

    def test_only_a_manager_adds_members(self, annotator, reviewer, functional_task):
        with pytest.raises(TaskPermissionDenied):
            membership_add(actor=annotator, task_id=functional_task.pk, user_id=reviewer.pk,
                           function="review")

        assert not Membership.objects.filter(user=reviewer).exists()

    def test_is_mirrored_into_object_permissions(self, manager, working_annotator,
                                                 functional_task):
        assert working_annotator.has_perm("annotation.annotate_task", functional_task)
        assert not working_annotator.has_perm("annotation.review_task", functional_task)


class TestMembershipRemove:
    def test_releases_the_members_lease_and_permission(self, manager, working_annotator,
                                                       functional_task):
        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        membership = working_annotator.memberships.get()

        membership_remove(actor=manager, membership_id=membership.pk)

        lease.refresh_from_db()
        assert lease.state == "released"
        assert Item.objects.get(pk=lease.item_id).open_slots == 1
        fresh = type(working_annotator).objects.get(pk=working_annotator.pk)
        assert not fresh.has_perm("annotation.annotate_task", functional_task)

    def test_ends_the_membership_and_keeps_it_with_who_and_when(self, manager, annotator,
                                                                functional_task):
        membership = join(manager, functional_task, annotator)

        membership_remove(actor=manager, membership_id=membership.pk)

        membership.refresh_from_db()
        assert membership.ended_at is not None
        assert membership.ended_by == manager
        assert AuditEvent.objects.filter(action="membership.removed",
                                         target_id=str(membership.pk)).exists()

    def test_a_removed_annotator_gets_no_item(self, manager, annotator, functional_task):
        membership = join(manager, functional_task, annotator)
        membership_remove(actor=manager, membership_id=membership.pk)

        with pytest.raises(NotAnAnnotator):
            lease_next(user=annotator, task_id=functional_task.pk)

    def test_an_unknown_membership_is_not_found(self, manager, functional_task):
        with pytest.raises(MembershipNotFound):
            membership_remove(actor=manager, membership_id=999999)

    def test_a_membership_of_another_task_is_not_found(self, manager, annotator, functional_task,
                                                       safety_task):
        membership = join(manager, functional_task, annotator)

        with pytest.raises(MembershipNotFound):
            membership_remove(actor=manager, membership_id=membership.pk,
                              task_id=safety_task.pk)

        membership.refresh_from_db()
        assert membership.ended_at is None


class TestComingBack:
    def test_a_removed_annotator_never_comes_back_as_reviewer(self, manager, annotator,
                                                              functional_task):
        membership = join(manager, functional_task, annotator)
        membership_remove(actor=manager, membership_id=membership.pk)
        grant_credential(manager, annotator, CredentialKind.FUNCTIONAL_REVIEW)

        with pytest.raises(SecondFunctionRefused, match="held the function 'annotate'"):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=annotator.pk,
                           function="review")

        assert list(Membership.objects.filter(task=functional_task, user=annotator)
                    .values_list("function", flat=True)) == ["annotate"]

    def test_a_removed_reviewer_never_comes_back_as_annotator_and_approves_nothing(
            self, manager, reviewer, functional_task):
        membership = join(manager, functional_task, reviewer, "review")
        membership_remove(actor=manager, membership_id=membership.pk)
        grant_credential(manager, reviewer, CredentialKind.FUNCTIONAL_ANNOTATE)

        with pytest.raises(SecondFunctionRefused):
            membership_add(actor=manager, task_id=functional_task.pk, user_id=reviewer.pk,
                           function="annotate")
        with pytest.raises(NotAReviewer):
            sample_check_next(reviewer=reviewer, task_id=functional_task.pk)

    def test_coming_back_in_the_same_function_reopens_the_membership(self, manager, annotator,
                                                                     functional_task):
        membership = join(manager, functional_task, annotator)
        membership_remove(actor=manager, membership_id=membership.pk)

        again = membership_add(actor=manager, task_id=functional_task.pk, user_id=annotator.pk,
                               function="annotate")

        assert again.pk == membership.pk
        assert again.ended_at is None
        assert lease_next(user=annotator, task_id=functional_task.pk) is not None
        assert AuditEvent.objects.filter(action="membership.resumed",
                                         target_id=str(membership.pk)).exists()


class TestDatabaseGuard:
    def test_the_function_of_a_membership_cannot_be_changed_in_the_database(
            self, manager, annotator, functional_task):
        membership = join(manager, functional_task, annotator)

        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.filter(pk=membership.pk).update(function="review")

        membership.refresh_from_db()
        assert membership.function == "annotate"

    @pytest.mark.postgres
    def test_a_membership_cannot_be_deleted_in_the_database(self, manager, annotator,
                                                           functional_task):
        membership = join(manager, functional_task, annotator)

        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM annotation_membership WHERE id = %s", [membership.pk])

        assert Membership.objects.filter(pk=membership.pk).exists()


class TestMembershipApi:
    def test_removing_then_adding_in_the_other_function_is_refused(self, manager_client,
                                                                   manager, annotator,
                                                                   functional_task):
        membership = join(manager, functional_task, annotator)
        grant_credential(manager, annotator, CredentialKind.FUNCTIONAL_REVIEW)
        members = reverse("api:annotation:membership-list", args=[functional_task.pk])

        removed = manager_client.delete(reverse("api:annotation:membership-detail",
                                                args=[membership.pk]))
        refused = post(manager_client, members, {"user": annotator.pk, "function": "review"})
        listed = manager_client.get(members).json()["results"]

        assert removed.status_code == 204
        assert refused.status_code == 409
        assert refused.json()["code"] == "second_function_refused"
        assert [(row["function"], row["ended_at"] is not None) for row in listed] == \
            [("annotate", True)]

    def test_an_unknown_membership_is_404(self, manager_client):
        response = manager_client.delete(reverse("api:annotation:membership-detail",
                                                 args=[999999]))

        assert response.status_code == 404
        assert response.json()["code"] == "membership_not_found"

    def test_a_worker_cannot_take_anyone_off_a_task(self, client, manager, annotator,
                                                    reviewer, functional_task):
        membership = join(manager, functional_task, reviewer, "review")
        join(manager, functional_task, annotator)
        client.force_login(annotator)

        response = client.delete(reverse("api:annotation:membership-detail",
                                         args=[membership.pk]))

        assert response.status_code == 403
        membership.refresh_from_db()
        assert membership.ended_at is None


class TestMembershipPages:
    def test_removal_is_one_post_per_membership_of_the_task(self, manager_client, manager,
                                                            annotator, functional_task,
                                                            safety_task):
        membership = join(manager, functional_task, annotator)
        wrong_task = reverse("annotation:task-member-remove",
                             args=[safety_task.pk, membership.pk])
        right_task = reverse("annotation:task-member-remove",
                             args=[functional_task.pk, membership.pk])

        assert manager_client.post(wrong_task).status_code == 404
        response = manager_client.post(right_task, follow=True)

        assert "left the task" in response.content.decode()
        membership.refresh_from_db()
        assert membership.ended_at is not None

    def test_an_unknown_membership_is_404_and_ends_nothing(self, manager_client, manager,
                                                           annotator, functional_task):
        membership = join(manager, functional_task, annotator)

        response = manager_client.post(reverse("annotation:task-member-remove",
                                               args=[functional_task.pk, 999999]))

        assert response.status_code == 404
        membership.refresh_from_db()
        assert membership.ended_at is None

    def test_the_old_form_without_an_id_is_not_a_server_error(self, manager_client,
                                                              functional_task):
        response = manager_client.post(reverse("annotation:task-manage",
                                               args=[functional_task.pk]),
                                       {"action": "remove-member"})

        assert response.status_code == 405


def test_a_membership_is_never_deleted_through_the_orm(manager, annotator, functional_task):
    from annotation.models import MembershipKept

    membership = join(manager, functional_task, annotator)

    with pytest.raises(MembershipKept):
        membership.delete()
    with pytest.raises(MembershipKept):
        Membership.objects.filter(pk=membership.pk).delete()

    assert Membership.objects.filter(pk=membership.pk).exists()
