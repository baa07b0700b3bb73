"""Reading a course, module by module."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from annotators.models import TrainingRecord
from annotators.services import training_confirm_module, training_open_module, training_start
from annotators.services.training import TrainingOutOfOrder
from tests.workforce import complete_training

pytestmark = pytest.mark.django_db


class TestTraining:
    def test_modules_are_read_in_order_and_timed_on_the_server(self, annotator, workforce):
        course = workforce["course"]
        first, second = course.modules.order_by("position")[:2]
        training_start(user=annotator, course_id=course.pk)

        with pytest.raises(TrainingOutOfOrder, match="module 1"):
            training_open_module(user=annotator, module_id=second.pk)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            training_open_module(user=annotator, module_id=first.pk)
            clock.shift(timedelta(seconds=95))
            progress = training_confirm_module(user=annotator, module_id=first.pk)

        assert progress.seconds_spent == 95
        training_open_module(user=annotator, module_id=second.pk)

    def test_confirming_the_last_module_completes_the_record(self, annotator, workforce):
        complete_training(annotator, workforce["course"])

        record = TrainingRecord.objects.get(user=annotator)
        assert record.completed_at is not None
        workforce["course"].refresh_from_db()
        assert record.course_version == workforce["course"].version == 5
