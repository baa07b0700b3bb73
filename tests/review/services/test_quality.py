from decimal import Decimal

import pytest
from django.test import TestCase

from annotation.models import Batch, FunctionalLabel, Item
from annotators.models import Assignment, Credential, Role
from audit.models import AuditEvent
from review.models import QualityPolicy, QualitySignal
from review.services import quality_evaluate, safety_label_reject
from safety_labels.models import SafetyLabel
from tests.annotation_setup import add_items, join
from tests.conftest import make_person
from tests.review_setup import check_all, label_everything, review_task, safety_setup, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def strict(kind: str, threshold: str, minimum: int = 1) -> None:
    QualityPolicy.objects.filter(kind=kind).update(threshold=Decimal(threshold),
                                                   minimum_checks=minimum)


class TestFunctionalQuality:
    def test_low_accuracy_suspends_and_returns_unreviewed_work(self, manager):
        strict("functional_annotate", "0.900", minimum=3)
        task, (worker,), reviewer = review_task(manager, name="Sloppy", items=20,
                                                batch_size=20, annotators=1)
        sample = samples_of(task).get()
        check_all(reviewer, task, {item: ("inaccurate", "Wrong", [])
                                   for item in sample.item_ids[:3]})
        # More work of theirs, not yet sampled: the batch sent back, relabelled (its failed
        # items by somebody else), and a new one.
        add_items(manager, task, [f"more {n}" for n in range(5)])
        label_everything(task, [worker])
        other = make_person("sloppy.other", Role.ANNOTATOR)
        join(manager, task, other)
        assert label_everything(task, [other]) == 3
        unreviewed = set(FunctionalLabel.objects.filter(
            annotator=worker, superseded_at=None,
            item__batch__state__in=["annotating", "submitted"]).values_list("pk", flat=True))
        assert len(unreviewed) == 22

        signal = quality_evaluate(user_id=worker.pk, kind="functional_annotate")

        assert signal is not None
        assert signal.measure == "accuracy"
        assert signal.value < Decimal("0.9")
        assert signal.evidence["checked"] == signal.checks >= 3
        credential = worker.credentials.get(kind="functional_annotate")
        assert credential.status == Credential.Status.SUSPENDED
        assert credential.suspension_cause == Credential.SuspensionCause.QUALITY
        assert Assignment.objects.filter(user=worker, source="quality").exists()
        returned = FunctionalLabel.objects.filter(pk__in=unreviewed)
        assert all(label.superseded_at for label in returned)
        assert set(Item.objects.filter(labels__in=returned).values_list("open_slots",
                                                                          flat=True)) == {1}
        assert AuditEvent.objects.filter(action="quality.signal",
                                         target_id=str(signal.pk)).exists()
        # Measured again, a suspended person is not suspended twice.
        assert quality_evaluate(user_id=worker.pk, kind="functional_annotate") is None

    def test_good_work_or_too_few_checks_trigger_nothing(self, manager):
        strict("functional_annotate", "0.900", minimum=50)
        task, (worker,), reviewer = review_task(manager, name="Few", items=20,
                                                batch_size=20, annotators=1)
        sample = samples_of(task).get()
        check_all(reviewer, task, {sample.item_ids[0]: ("inaccurate", "Wrong", [])})
        assert quality_evaluate(user_id=worker.pk, kind="functional_annotate") is None
        assert not QualitySignal.objects.exists()
        assert worker.credentials.get(kind="functional_annotate").status == "active"


class TestSafetyQuality:
    def test_a_high_rejection_rate_suspends_and_withdraws_undecided_labels(self, manager):
        strict("safety_annotate", "0.200", minimum=2)
        task, annotator, (first, _) = safety_setup(manager, name="Rejected", items=5)
        labels = list(SafetyLabel.objects.filter(task_id=task.pk).order_by("pk"))
        for label in labels[:2]:
            safety_label_reject(reviewer=first, label_id=label.pk, comment="Missed A.2.a")

        with TestCase.captureOnCommitCallbacks(execute=True):
            signal = quality_evaluate(user_id=annotator.pk, kind="safety_annotate")

        assert signal.measure == "rejection_rate"
        assert signal.value == Decimal("1")
        assert annotator.credentials.get(kind="safety_annotate").status == "suspended"
        undecided = SafetyLabel.objects.filter(pk__in=[label.pk for label in labels[2:]])
        assert set(undecided.values_list("status", flat=True)) == {"superseded"}
        assert set(Item.objects.filter(task=task).values_list("open_slots", flat=True)) == {1}


def test_batches_reopen_when_their_labels_return(manager):
    strict("functional_annotate", "0.990", minimum=1)
    task, (worker,), reviewer = review_task(manager, name="Reopen", items=10, batch_size=10,
                                            annotators=1)
    check_all(reviewer, task, {samples_of(task).get().item_ids[0]: ("inaccurate", "x", [])})
    add_items(manager, task, [f"next {n}" for n in range(3)])
    label_everything(task, [worker])
    late = Batch.objects.filter(task=task).order_by("-number").first()
    Batch.objects.filter(pk=late.pk).update(state="submitted")
    quality_evaluate(user_id=worker.pk, kind="functional_annotate")
    late.refresh_from_db()
    assert late.state == "annotating"
    other = make_person("reopen.other", Role.ANNOTATOR)
    join(manager, task, other)
    assert label_everything(task, [other]) >= 3
