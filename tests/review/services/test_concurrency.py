import pytest

from annotation.models import Batch
from annotators.models import Role
from review.models import Sample, SampleCheck
from review.services import safety_label_approve, sample_draw
from safety_labels.models import SafetyApproval, SafetyLabel
from safety_labels.services import SafetyLabelAlreadyDecided
from tests.annotation_setup import join, make_task
from tests.conftest import make_person
from tests.review_setup import label_everything, safety_setup
from tests.rules.services.test_concurrency import run_together

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                    serialized_rollback=True)]


class TestConcurrentApprovals:
    def test_two_reviewers_at_once_make_the_two_approvals_needed(self, manager):
        task, _, (first, second) = safety_setup(manager, name="Both", items=1, approvals=2)
        label = SafetyLabel.objects.get(task_id=task.pk)

        outcomes = run_together(
            lambda: safety_label_approve(reviewer=first, label_id=label.pk).status,
            lambda: safety_label_approve(reviewer=second, label_id=label.pk).status)

        assert sorted(outcomes) == ["approved", "submitted"]
        label.refresh_from_db()
        assert label.status == "approved"
        assert SafetyApproval.objects.filter(label=label).count() == 2

    def test_one_reviewer_twice_at_once_counts_once(self, manager):
        task, _, (first, _) = safety_setup(manager, name="Double", items=1, approvals=2)
        label = SafetyLabel.objects.get(task_id=task.pk)

        outcomes = run_together(
            *[lambda: safety_label_approve(reviewer=first, label_id=label.pk).status] * 3)

        assert outcomes.count("submitted") == 1
        assert sum(isinstance(o, SafetyLabelAlreadyDecided) for o in outcomes) == 2
        label.refresh_from_db()
        assert label.status == "submitted"
        assert SafetyApproval.objects.filter(label=label).count() == 1


class TestConcurrentDraws:
    def test_two_draws_of_one_batch_make_one_sample(self, manager):
        task = make_task(manager, kind="functional", name="Race draw", items=40,
                         batch_size=40, minimum_seconds_per_item=0)
        person = make_person("race.draw.ann", Role.ANNOTATOR)
        join(manager, task, person)
        label_everything(task, [person])
        batch = Batch.objects.get(task=task)
        Batch.objects.filter(pk=batch.pk).update(state="submitted")

        outcomes = run_together(*[lambda: sample_draw(batch_id=batch.pk).pk] * 3)

        assert len(set(outcomes)) == 1, outcomes
        assert Sample.objects.filter(batch=batch).count() == 1
        assert SampleCheck.objects.filter(sample__batch=batch).count() == \
            len(Sample.objects.get(batch=batch).item_ids)


class TestConcurrentClaims:
    def test_two_reviewers_claiming_at_once_each_get_a_label(self, manager):
        from review.services import sample_check_next
        from tests.review_setup import review_task

        task, _, first = review_task(manager, name="Claims", items=30, batch_size=30)
        second = make_person("claims.rev2", Role.REVIEWER)
        join(manager, task, second, "review")

        outcomes = run_together(
            lambda: sample_check_next(reviewer=first, task_id=task.pk).pk,
            lambda: sample_check_next(reviewer=second, task_id=task.pk).pk)

        assert all(isinstance(o, int) for o in outcomes), outcomes
        assert len(set(outcomes)) == 2


class TestConcurrentQuality:
    def test_evaluations_at_once_suspend_once(self, manager):
        from decimal import Decimal

        from review.models import QualityPolicy, QualitySignal
        from review.services import quality_evaluate
        from tests.review_setup import check_all, review_task, samples_of

        QualityPolicy.objects.filter(kind="functional_annotate").update(
            threshold=Decimal("0.99"), minimum_checks=1)
        task, (worker,), reviewer = review_task(manager, name="Twice bad", items=10,
                                                batch_size=10, annotators=1)
        check_all(reviewer, task, {samples_of(task).get().item_ids[0]: ("inaccurate", "x", [])})
        QualitySignal.objects.all().delete()
        worker.credentials.filter(kind="functional_annotate").update(status="active")

        outcomes = run_together(
            *[lambda: quality_evaluate(user_id=worker.pk, kind="functional_annotate")] * 3)

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert QualitySignal.objects.filter(user=worker).count() == 1
