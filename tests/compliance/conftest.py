"""A period's work for the compliance report's tests, made through the services."""

import pytest

from review.services import safety_label_approve, safety_label_reject
from safety_labels.models import SafetyLabel
from tests.review_setup import check_all, review_task, safety_setup, samples_of


@pytest.fixture
def work(manager):
    """A functional task sampled and decided (one batch accepted, one sent back) and a
    safety task with labels approved, rejected and waiting."""
    functional, annotators, reviewer = review_task(manager, name="Figures", items=6,
                                                   batch_size=3)
    _, second = samples_of(functional)
    check_all(reviewer, functional, {second.item_ids[0]: ("inaccurate", "Wrong", [])})
    safety, safety_annotator, (approver, rejecter) = safety_setup(manager, name="Screen",
                                                                  items=4)
    labels = list(SafetyLabel.objects.filter(task_id=safety.pk).order_by("pk"))
    safety_label_approve(reviewer=approver, label_id=labels[0].pk)
    safety_label_approve(reviewer=approver, label_id=labels[1].pk)
    safety_label_reject(reviewer=rejecter, label_id=labels[2].pk, comment="Missed A.2")
    return {"functional": functional, "safety": safety, "reviewer": reviewer,
            "annotators": annotators, "safety_annotator": safety_annotator}
