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
            imported = manager_client.post(reverse("annotation:task-import", args=[task.pk]), {
                "file": SimpleUploadedFile("a.txt", b"one\ntwo\nthree\n")})
        job_page = manager_client.get(imported.url).content.decode()
        members = reverse("annotation:task-member-add", args=[task.pk])
        manager_client.post(members, {"user": annotator.pk, "function": "annotate"})
        refused = manager_client.post(members, {"user": reviewer.pk, "function": "review"})
        manager_client.post(reverse("annotation:task-state", args=[task.pk]), {"state": "active"})

        assert created.url == page
        assert "3 item(s) imported" in job_page
        assert Item.objects.filter(task=task).count() == 3
        assert Membership.objects.filter(task=task, user=annotator).exists()
        assert refused.status_code == 400
        assert "holds no active functional review credential" in refused.content.decode()
        assert Task.objects.get(pk=task.pk).state == "active"

    def test_an_infeasible_deadline_is_explained_on_the_page(self, manager, manager_client,
                                                             annotator, functional_task):
        join(manager, functional_task, annotator)
        page = reverse("annotation:task-manage", args=[functional_task.pk])
        form = manager_client.get(page).context["settings_form"]
        data = {name: form[name].value() or "" for name in form.fields}
        data.update({"deadline_at": "2020-01-01T10:00"})

        response = manager_client.post(reverse("annotation:task-settings",
                                               args=[functional_task.pk]), data)

        assert response.status_code == 400
        assert "in the past" in response.content.decode()
        assert Task.objects.get(pk=functional_task.pk).deadline_at is None

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


class TestLabellingPage:
    def test_a_worker_who_has_not_acknowledged_is_sent_to_the_rules_and_back(
            self, client, manager, annotator, functional_task):
        join(manager, functional_task, annotator, acknowledge=False)
        client.force_login(annotator)
        page = reverse("annotation:label", args=[functional_task.pk])

        sent = client.get(page)
        rules_page = client.get(sent.url).content.decode()
        back = client.post(reverse("rules:rule-version-acknowledge",
                                   args=[functional_task.rule_version_id]), {"next": page})
        labelling = client.get(page)

        assert sent.url.startswith(reverse("rules:rule-version-detail",
                                           args=[functional_task.rule_version_id]))
        assert f'name="next" value="{page}"' in rules_page
        assert back.url == page
        assert labelling.status_code == 200
        assert "/static/js/label.js" in labelling.content.decode()

    def test_acknowledging_never_redirects_off_site(self, client, annotator,
                                                    published_functional_version):
        client.force_login(annotator)

        response = client.post(reverse("rules:rule-version-acknowledge",
                                       args=[published_functional_version.pk]),
                               {"next": "https://evil.example/"})

        assert response.url == reverse("rules:rule-version-detail",
                                       args=[published_functional_version.pk])

    def test_a_reviewer_of_the_task_is_not_given_the_labelling_page(self, client, manager,
                                                                    reviewer,
                                                                    functional_task):
        join(manager, functional_task, reviewer, "review")
        client.force_login(reviewer)

        response = client.get(reverse("annotation:label", args=[functional_task.pk]))

        assert response.url == reverse("annotation:home")

    def test_media_items_are_served_to_members_only(self, client, manager, working_annotator,
                                                    reviewer, functional_task, settings,
                                                    tmp_path):
        from annotation.models import Item
        from annotation.services import import_job_create, import_job_run

        settings.MEDIA_ROOT = tmp_path
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("pic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
        job = import_job_create(actor=manager, task_id=functional_task.pk,
                                upload=SimpleUploadedFile("m.zip", buffer.getvalue()))
        import_job_run(job_id=job.pk)
        item = Item.objects.get(task=functional_task, modality="image")
        url = reverse("annotation:item-media", args=[item.pk])

        client.force_login(working_annotator)
        served = client.get(url)
        client.force_login(reviewer)
        outsider = client.get(url)

        assert served["Content-Type"] == "image/png"
        assert "sandbox" in served["Content-Security-Policy"]
        assert outsider.status_code == 404


@pytest.fixture
def published_functional_version(manager):
    from rules.services import rule_version_publish
    from tests.rules.conftest import make_functional_draft

    return rule_version_publish(actor=manager,
                                version_id=make_functional_draft(manager, name="Ack rules").pk)
