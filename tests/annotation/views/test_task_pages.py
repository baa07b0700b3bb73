import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotation.models import ImportJob, Item, Membership, Task
from tests.annotation_setup import grant_credential, join

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestManagerTaskPages:
    def test_create_import_staff_and_activate_a_task(self, manager, manager_client, annotator,
                                                     reviewer, published_version,
                                                     django_capture_on_commit_callbacks):
        grant_credential(manager, annotator, "functional_annotate")
        created = manager_client.post(reverse("annotation:task-manage-list"), {
            "name": "Browser task", "rule_version": published_version.pk,
            "labels_per_item": 1, "batch_size": 10})
        task = Task.objects.get(name="Browser task")
        page = reverse("annotation:task-manage", args=[task.pk])

        with django_capture_on_commit_callbacks(execute=True):
            imported = manager_client.post(page, {
                "action": "import", "file": SimpleUploadedFile("a.txt", b"one\ntwo\nthree\n")})
        job_page = manager_client.get(imported.url).content.decode()
        manager_client.post(page, {"action": "member", "user": annotator.pk,
                                   "function": "annotate"})
        refused = manager_client.post(page, {"action": "member", "user": reviewer.pk,
                                             "function": "review"}, follow=True)
        manager_client.post(page, {"action": "state", "state": "active"})

        assert created.url == page
        assert "3 item(s) imported" in job_page
        assert Item.objects.filter(task=task).count() == 3
        assert Membership.objects.filter(task=task, user=annotator).exists()
        assert "holds no active functional review credential" in refused.content.decode()
        assert Task.objects.get(pk=task.pk).state == "active"

    def test_an_infeasible_deadline_is_explained_on_the_page(self, manager, manager_client,
                                                             annotator, functional_task):
        join(manager, functional_task, annotator)
        page = reverse("annotation:task-manage", args=[functional_task.pk])
        form = manager_client.get(page).context["settings_form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update({"action": "settings", "deadline_at": "2020-01-01T10:00"})

        response = manager_client.post(page, data, follow=True)

        assert "in the past" in response.content.decode()

    def test_workers_cannot_open_the_task_pages(self, annotator_client, functional_task):
        for url in (reverse("annotation:task-manage-list"),
                    reverse("annotation:task-manage", args=[functional_task.pk])):
            assert annotator_client.get(url).status_code == 403

    def test_the_import_page_lists_refused_rows(self, manager_client, manager,
                                                functional_task):
        from annotation.services import import_job_create, import_job_run

        job = import_job_create(actor=manager, task_id=functional_task.pk,
                                upload=SimpleUploadedFile("b.jsonl", b'{"text": "ok"}\n{bad'))
        import_job_run(job_id=job.pk)

        html = manager_client.get(reverse("annotation:import-job", args=[job.pk])) \
            .content.decode()

        assert ImportJob.objects.get(pk=job.pk).created == 1
        assert "not JSON" in html


@pytest.fixture
def published_version(manager):
    from rules.services import rule_version_publish
    from tests.rules.conftest import make_functional_draft

    return rule_version_publish(actor=manager,
                                version_id=make_functional_draft(manager, name="Page rules").pk)
