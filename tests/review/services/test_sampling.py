import pytest

from annotation.models import Batch, FunctionalLabel
from annotation.services.rework import batches_mark_submitted
from audit.models import AuditEvent
from review.models import Sample, SampleCheck
from review.selectors import sample_redraw
from review.services import sample_draw
from review.services.sampling import BatchNotSampleable
from review.strata import draw
from tests.annotation_setup import add_items
from tests.review_setup import label_everything, review_task, sample_due_batches, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestDraw:
    LABELS = [{"item_id": n, "annotator_id": 1 + n % 4, "too_fast": n in (7, 300, 801)}
              for n in range(1000)]

    def test_the_same_seed_draws_the_same_items(self):
        first, _ = draw(labels=self.LABELS, size=80, seed=42)
        again, _ = draw(labels=list(reversed(self.LABELS)), size=80, seed=42)
        other, _ = draw(labels=self.LABELS, size=80, seed=43)

        assert first == again
        assert first != other
        assert len(first) == 80

    def test_every_annotator_and_every_too_fast_label_is_drawn(self):
        labels = [*self.LABELS, {"item_id": 5000, "annotator_id": 99, "too_fast": False}]

        for seed in range(20):
            items, strata = draw(labels=labels, size=5, seed=seed)

            assert {7, 300, 801, 5000} <= set(items)
            assert {str(a) for a in (1, 2, 3, 4, 99)} == set(strata["annotators"])
            for annotator, item in strata["annotators"].items():
                assert item in items
                assert any(label["item_id"] == item and label["annotator_id"] == int(annotator)
                           for label in labels)


class TestSampling:
    def test_a_complete_batch_is_sampled_by_its_plan(self, manager):
        # A lot of 60 at general inspection level II is code letter E; at AQL 1.0 its
        # normal plan is n=13, Ac=0, Re=1 (ISO 2859-1, tables 1 and 2-A).
        task, people, _ = review_task(manager, name="Plan", items=60, batch_size=60)

        sample = samples_of(task).get()

        assert (sample.code_letter, sample.plan_size, sample.accept, sample.reject) == \
            ("E", 13, 0, 1)
        assert sample.batch.state == Batch.State.IN_REVIEW
        assert len(sample.item_ids) == 13
        assert set(sample.checks.values_list("annotator_id", flat=True)) == \
            {person.pk for person in people}
        assert AuditEvent.objects.filter(action="sample.drawn", target_id=str(sample.pk)).exists()

    def test_a_sample_is_drawn_again_from_its_seed(self, manager):
        task, _, _ = review_task(manager, name="Redraw", items=60, batch_size=60)
        sample = samples_of(task).get()

        redrawn = sample_redraw(sample=sample)

        assert redrawn == sample.item_ids

    def test_too_fast_labels_are_always_checked(self, manager):
        task, _, _ = review_task(manager, name="Hasty", items=200, batch_size=200,
                                 minimum_seconds_per_item=5, expected_seconds_per_item=60)
        fast = set(FunctionalLabel.objects.filter(task=task, too_fast=True)
                   .values_list("item_id", flat=True))

        sampled = set(samples_of(task).get().item_ids)

        assert fast
        assert fast <= sampled

    def test_drawing_twice_draws_once(self, manager):
        task, _, _ = review_task(manager, name="Twice", items=10, batch_size=10)
        sample = samples_of(task).get()

        again = sample_draw(batch_id=sample.batch_id)

        assert again.pk == sample.pk
        assert Sample.objects.filter(batch=sample.batch).count() == 1
        assert SampleCheck.objects.filter(sample__batch=sample.batch).count() == \
            len(sample.item_ids)

    def test_an_unfinished_batch_is_not_sampled(self, manager):
        task, _, _ = review_task(manager, name="Unfinished", items=0, batch_size=10)
        add_items(manager, task, [f"late {n}" for n in range(3)])
        batch = Batch.objects.get(task=task)

        assert sample_due_batches() == []
        with pytest.raises(BatchNotSampleable):
            sample_draw(batch_id=batch.pk)
        assert not Sample.objects.filter(batch=batch).exists()


class TestSweep:
    def test_a_submitted_batch_whose_draw_was_lost_is_drawn_by_the_next_sweep(self, manager):
        task, _, _ = review_task(manager, name="Lost draw", items=0, batch_size=10)
        add_items(manager, task, [f"lost {n}" for n in range(4)])
        person = task.memberships.filter(function="annotate").first().user
        label_everything(task, [person])
        batches_mark_submitted(on_submitted=lambda batch_id: None)   # the draw never ran
        batch = Batch.objects.get(task=task)
        assert (batch.state, samples_of(task).count()) == ("submitted", 0)

        assert sample_due_batches() == [batch.pk]

        batch.refresh_from_db()
        assert batch.state == "in_review"
        assert samples_of(task).count() == 1
        assert sample_due_batches() == []
