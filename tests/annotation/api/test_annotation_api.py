import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from annotation.models import ImportJob, Item, Membership, Task
from audit.models import AuditEvent
from tests.annotation_setup import join, make_task
from tests.services_payloads import GOOD_FUNCTIONAL

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def url(name: str, *args) -> str:
    return reverse(f"api:annotation:{name}", args=args)


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


class TestTaskApi:
    def test_a_manager_creates_and_activates_a_task(self, manager_client, manager):
        from rules.services import rule_version_publish
        from tests.rules.conftest import make_functional_draft

        version = rule_version_publish(actor=manager,
                                       version_id=make_functional_draft(manager).pk)

        created = post(manager_client, url("task-list"), {"name": "API task",
                                                          "rule_version": version.pk,
                                                          "labels_per_item": 2})
        active = post(manager_client, url("task-state", created.json()["id"]),
                      {"state": "active"})

        assert created.status_code == 201
        assert created.json()["expected_seconds_per_item"] == 120
        assert active.json()["state"] == "active"

    def test_an_infeasible_deadline_is_409_with_the_numbers(self, manager_client, manager,
                                                           annotator, functional_task):
        join(manager, functional_task, annotator)

        response = manager_client.patch(url("task-detail", functional_task.pk), {
            "deadline_at": (timezone.now() + timedelta(minutes=5)).isoformat()},
            content_type="application/json")

        assert response.status_code == 409
        assert response.json()["code"] == "deadline_infeasible"
        assert "5 labels still to make" in response.json()["message"]

    def test_a_second_function_is_refused_through_the_api(self, manager_client, manager,
                                                          reviewer, functional_task):
        join(manager, functional_task, reviewer, "review")

        response = post(manager_client, url("membership-list", functional_task.pk),
                        {"user": reviewer.pk, "function": "annotate"})

        assert response.status_code == 409
        assert response.json()["code"] == "second_function_refused"
        assert Membership.objects.filter(user=reviewer).count() == 1

    def test_the_admin_cannot_add_a_membership(self, admin_client, functional_task, reviewer):
        response = admin_client.post(reverse("admin:annotation_membership_add"), {
            "task": functional_task.pk, "user": reviewer.pk, "function": "annotate"})

        assert response.status_code == 403
        assert not Membership.objects.filter(user=reviewer).exists()

    def test_import_returns_a_job_to_poll(self, manager_client, functional_task,
                                          django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post(url("task-import", functional_task.pk), {
                "file": SimpleUploadedFile("more.txt", b"one\ntwo\n\xff\xfe\n")})

        job = manager_client.get(url("import-detail", response.json()["id"])).json()

        assert response.status_code == 202
        assert job["status"] == "done"
        assert job["created"] == 2
        assert job["errors"] == [{"line": 3, "reason": "not valid UTF-8"}]

    def test_workers_cannot_create_tasks_or_import(self, annotator_client, functional_task):
        created = post(annotator_client, url("task-list"),
                       {"name": "Worker's task", "rule_version": functional_task.rule_version_id})
        imported = annotator_client.post(url("task-import", functional_task.pk),
                                         {"file": SimpleUploadedFile("a.txt", b"x")})

        assert created.status_code == 403
        assert imported.status_code == 403
        assert not Task.objects.filter(name="Worker's task").exists()
        assert not ImportJob.objects.filter(task=functional_task, file_name="a.txt").exists()

    def test_an_import_without_a_file_is_400(self, manager_client, functional_task):
        jobs_before = ImportJob.objects.filter(task=functional_task).count()

        response = manager_client.post(url("task-import", functional_task.pk), {})

        assert response.status_code == 400
        assert response.json()["code"] == "upload_missing"
        assert ImportJob.objects.filter(task=functional_task).count() == jobs_before


class TestTaskRuleVersionApi:
    def test_a_manager_moves_the_task_to_a_newer_version(self, manager_client, manager,
                                                         functional_task):
        newer = _newer_version(manager, functional_task)

        response = post(manager_client, url("task-rule-version", functional_task.pk),
                        {"rule_version": newer.pk})

        assert response.status_code == 200
        assert response.json()["rule_version"] == newer.pk
        assert Task.objects.get(pk=functional_task.pk).rule_version_id == newer.pk
        assert AuditEvent.objects.filter(action="task.rule_version_moved",
                                         target_id=str(functional_task.pk)).exists()

    def test_a_version_of_the_other_kind_is_400(self, manager_client, manager,
                                                functional_task):
        from rules.services import rule_version_publish
        from tests.rules.conftest import make_safety_draft

        safety = rule_version_publish(actor=manager,
                                      version_id=make_safety_draft(manager, name="Safe").pk)

        response = post(manager_client, url("task-rule-version", functional_task.pk),
                        {"rule_version": safety.pk})

        assert response.status_code == 400
        assert response.json()["code"] == "rule_version_kind_mismatch"
        assert Task.objects.get(pk=functional_task.pk).rule_version_id == \
            functional_task.rule_version_id

    def test_a_missing_version_is_400_with_the_field(self, manager_client, functional_task):
        response = post(manager_client, url("task-rule-version", functional_task.pk), {})

        assert response.status_code == 400
        assert "rule_version" in response.json()["detail"]

    def test_an_unknown_task_is_404(self, manager_client, manager, functional_task):
        newer = _newer_version(manager, functional_task)

        response = post(manager_client, url("task-rule-version", 999999),
                        {"rule_version": newer.pk})

        assert response.status_code == 404

    def test_a_worker_cannot_move_a_task(self, client, manager, working_annotator,
                                         functional_task):
        newer = _newer_version(manager, functional_task)
        client.force_login(working_annotator)

        response = post(client, url("task-rule-version", functional_task.pk),
                        {"rule_version": newer.pk})

        assert response.status_code == 403
        assert Task.objects.get(pk=functional_task.pk).rule_version_id == \
            functional_task.rule_version_id


def _newer_version(manager, task):
    from rules.services import rule_version_new_draft, rule_version_publish

    draft = rule_version_new_draft(actor=manager, source_version_id=task.rule_version_id)
    return rule_version_publish(actor=manager, version_id=draft.pk)


class TestLabellingLoop:
    def test_next_submit_and_next_in_one_round_trip(self, client, working_annotator,
                                                    functional_task):
        client.force_login(working_annotator)

        lease = post(client, url("task-next", functional_task.pk)).json()
        client_id = str(uuid.uuid4())
        first = post(client, url("lease-submit", lease["id"]),
                     {"client_id": client_id, "label": GOOD_FUNCTIONAL, "next": True})
        retry = post(client, url("lease-submit", lease["id"]),
                     {"client_id": client_id, "label": GOOD_FUNCTIONAL})
        mine = client.get(url("my-labels")).json()

        assert lease["item"]["text"].startswith("Rank answers item")
        assert first.status_code == 201
        assert first.json()["next"]["item"]["id"] != lease["item"]["id"]
        assert retry.status_code == 200
        assert retry.json()["label_id"] == first.json()["label_id"]
        assert mine["count"] == 1

    def test_a_bad_label_is_400_and_keeps_the_lease(self, client, working_annotator,
                                                    functional_task):
        client.force_login(working_annotator)
        lease = post(client, url("task-next", functional_task.pk)).json()

        response = post(client, url("lease-submit", lease["id"]),
                        {"client_id": str(uuid.uuid4()), "label": {"payload": {}}})
        again = post(client, url("task-next", functional_task.pk)).json()

        assert response.status_code == 400
        assert "(ranking) is required" in " ".join(response.json()["detail"]["payload"])
        assert again["id"] == lease["id"]

    def test_skip_then_none_left_is_204(self, client, manager, working_annotator):
        task = make_task(manager, kind="functional", name="Tiny", items=1)
        join(manager, task, working_annotator)
        client.force_login(working_annotator)
        lease = post(client, url("task-next", task.pk)).json()

        skipped = post(client, url("lease-skip", lease["id"]), {"reason": "Unreadable"})
        empty = post(client, url("task-next", task.pk))

        assert skipped.json()["state"] == "skipped"
        assert empty.status_code == 204

    def test_acknowledgement_is_required_first(self, client, manager, annotator,
                                               functional_task):
        join(manager, functional_task, annotator, acknowledge=False)
        client.force_login(annotator)

        response = post(client, url("task-next", functional_task.pk))

        assert response.status_code == 403
        assert response.json()["code"] == "acknowledgement_required"
        assert response.json()["detail"]["rule_version_id"] == functional_task.rule_version_id


class TestScoping:
    def test_members_of_one_task_get_404_for_everything_of_another(self, client, manager,
                                                                   working_annotator,
                                                                   functional_task):
        other = make_task(manager, kind="functional", name="Other task", items=2)
        item = Item.objects.filter(task=other).first()
        client.force_login(working_annotator)

        responses = {
            "detail": client.get(url("task-detail", other.pk)),
            "items": client.get(url("item-list", other.pk)),
            "item": client.get(url("item-detail", item.pk)),
            "media": client.get(url("item-media", item.pk)),
            "batches": client.get(url("batch-list", other.pk)),
            "memberships": client.get(url("membership-list", other.pk)),
            "next": post(client, url("task-next", other.pk)),
        }
        listing = client.get(url("task-list")).json()

        assert {name: r.status_code for name, r in responses.items()} == {
            name: 404 for name in responses}
        assert [row["name"] for row in listing["results"]] == [functional_task.name]

    def test_a_lease_of_someone_else_is_404(self, client, manager, working_annotator,
                                            reviewer, functional_task):
        from annotation.services import lease_next

        lease = lease_next(user=working_annotator, task_id=functional_task.pk)
        client.force_login(reviewer)

        submit = post(client, url("lease-submit", lease.pk),
                      {"client_id": str(uuid.uuid4()), "label": GOOD_FUNCTIONAL})
        skip = post(client, url("lease-skip", lease.pk), {"reason": "mine now"})

        assert (submit.status_code, skip.status_code) == (404, 404)
