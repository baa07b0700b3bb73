"""The training API: courses, modules, reading them."""


import pytest

from annotators.models import Course
from tests.annotators.api.calls import post, url

pytestmark = pytest.mark.django_db


class TestTrainingApi:
    def test_a_worker_reads_a_course_through_the_api(self, annotator_client, annotator,
                                                     workforce):
        course = workforce["course"]
        modules = list(course.modules.order_by("position"))

        started = post(annotator_client, url("course-start", course.pk))
        out_of_order = post(annotator_client, url("module-open", modules[1].pk))
        for module in modules:
            post(annotator_client, url("module-open", module.pk))
            confirmed = post(annotator_client, url("module-confirm", module.pk))
        records = annotator_client.get(url("training-record-list")).json()

        assert started.status_code == 200
        assert out_of_order.status_code == 409
        assert out_of_order.json()["code"] == "training_out_of_order"
        assert confirmed.json()["confirmed_at"]
        assert records["results"][0]["completed_at"]

    def test_workers_cannot_create_courses_or_modules(self, annotator_client, workforce):
        created = post(annotator_client, url("course-list"), {"title": "Mine"})
        module = post(annotator_client, url("course-module-add", workforce["course"].pk),
                      {"title": "x", "topic": "tool_use", "body": "x"})

        assert created.status_code == 403
        assert module.status_code == 403
        assert not Course.objects.filter(title="Mine").exists()
        assert workforce["course"].modules.count() == 4

    def test_a_manager_builds_a_course(self, manager_client):
        course = post(manager_client, url("course-list"), {"title": "Review basics"}).json()

        module = post(manager_client, url("course-module-add", course["id"]),
                      {"title": "Tools", "topic": "tool_use", "body": "Use the keyboard."})
        bad = post(manager_client, url("course-module-add", course["id"]),
                   {"title": "x", "topic": "astrology", "body": "x"})

        assert module.status_code == 201
        assert module.json()["position"] == 1
        assert bad.status_code == 400
