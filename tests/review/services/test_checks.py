from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from annotation.models import FunctionalLabel, Item
from annotators.models import Role
from annotators.services import credential_suspend
from audit.models import AuditEvent
from review.models import SampleCheck
from review.services import sample_check_next, sample_check_record
from review.services.checks import (
    CLAIM_MINUTES,
    CheckAlreadyRecorded,
    CheckClaimedByAnother,
    VerdictInvalid,
)
from review.services.common import NotAReviewer, ReviewCredentialInactive
from tests.annotation_setup import join
from tests.conftest import make_person
from tests.review_setup import review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


class TestSampleCheckNext:
    def test_a_reviewer_never_sees_an_item_they_labelled(self, manager):
        task, _people, reviewer = review_task(manager, name="Own", items=20, batch_size=20)
        # The reviewer once annotated an item of this task, then changed function.
        item = Item.objects.filter(task=task, pk__in=samples_of(task).get().item_ids).first()
        FunctionalLabel.objects.filter(item=item).update(annotator=reviewer)
        seen = set()

        while (check := sample_check_next(reviewer=reviewer, task_id=task.pk)) is not None:
            seen.add(check.item_id)
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")

        assert item.pk not in seen
        assert SampleCheck.objects.filter(item=item, verdict="").exists()
        own = SampleCheck.objects.get(item=item)
        with pytest.raises(NotAReviewer):
            sample_check_record(reviewer=reviewer, check_id=own.pk, verdict="accurate")

    def test_refuses_annotators_and_strangers(self, manager):
        task, people, _ = review_task(manager, name="Who", items=5, batch_size=5)
        stranger = make_person("rev.stranger", Role.REVIEWER)

        for person in (people[0], stranger):
            with pytest.raises(NotAReviewer):
                sample_check_next(reviewer=person, task_id=task.pk)

        assert not SampleCheck.objects.filter(sample__batch__task=task,
                                              reviewer__isnull=False).exists()

    def test_refuses_a_reviewer_whose_credential_is_suspended(self, manager):
        task, _, reviewer = review_task(manager, name="Suspended rev", items=5, batch_size=5)
        credential = reviewer.credentials.get(kind="functional_review")
        credential_suspend(actor=manager, credential_id=credential.pk, reason="Audit")

        with pytest.raises(ReviewCredentialInactive):
            sample_check_next(reviewer=reviewer, task_id=task.pk)

        assert not SampleCheck.objects.filter(reviewer=reviewer).exists()

    def test_gives_back_the_check_the_reviewer_already_holds(self, manager):
        task, _, reviewer = review_task(manager, name="Held", items=5, batch_size=5)
        first = sample_check_next(reviewer=reviewer, task_id=task.pk)

        again = sample_check_next(reviewer=reviewer, task_id=task.pk)

        assert again.pk == first.pk


class TestStaleClaims:
    """A check claimed but not answered for ``CLAIM_MINUTES`` goes to the next reviewer."""

    @pytest.fixture
    def claimed(self, manager):
        task, _, first = review_task(manager, name="Stale", items=5, batch_size=5)
        second = make_person("stale.rev2", Role.REVIEWER)
        join(manager, task, second, "review")
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            check = sample_check_next(reviewer=first, task_id=task.pk)
        return task, check, first, second, start

    def test_a_fresh_claim_is_passed_over(self, claimed):
        task, check, _, second, start = claimed

        with time_machine.travel(start + timedelta(minutes=CLAIM_MINUTES - 1), tick=False):
            taken = sample_check_next(reviewer=second, task_id=task.pk)

        assert taken.pk != check.pk
        check.refresh_from_db()
        assert check.reviewer_id != second.pk

    def test_a_stale_claim_is_taken_over_and_the_trail_says_from_whom(self, claimed):
        task, check, first, second, start = claimed

        with time_machine.travel(start + timedelta(minutes=CLAIM_MINUTES + 1), tick=False):
            taken = sample_check_next(reviewer=second, task_id=task.pk)

        assert taken.pk == check.pk
        check.refresh_from_db()
        assert check.reviewer_id == second.pk
        event = AuditEvent.objects.filter(action="sample_check.claimed",
                                          target_id=str(check.pk)).latest("pk")
        assert event.data["from_reviewer"] == first.pk

    def test_a_verdict_on_a_fresh_claim_of_another_is_refused(self, claimed):
        _, check, _, second, start = claimed

        with time_machine.travel(start + timedelta(minutes=CLAIM_MINUTES - 1), tick=False), \
                pytest.raises(CheckClaimedByAnother):
            sample_check_record(reviewer=second, check_id=check.pk, verdict="accurate")

        check.refresh_from_db()
        assert check.verdict == ""

    def test_a_verdict_on_a_stale_claim_of_another_is_recorded_as_theirs(self, claimed):
        _, check, _, second, start = claimed

        with time_machine.travel(start + timedelta(minutes=CLAIM_MINUTES + 1), tick=False):
            sample_check_record(reviewer=second, check_id=check.pk, verdict="accurate")

        check.refresh_from_db()
        assert (check.verdict, check.reviewer_id) == ("accurate", second.pk)


class TestSampleCheckRecord:
    def test_verdicts_say_what_is_wrong(self, manager):
        task, _, reviewer = review_task(manager, name="Say", items=5, batch_size=5)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)

        with pytest.raises(VerdictInvalid, match="what is wrong"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="inaccurate")
        with pytest.raises(VerdictInvalid, match="risk categories"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal")
        with pytest.raises(VerdictInvalid, match="Unknown risk codes"):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="illegal",
                                risk_codes=["Z.9"])

        check.refresh_from_db()
        assert check.verdict == ""

    def test_records_a_verdict_once_and_audits_the_claim_and_the_verdict(self, manager):
        task, _, reviewer = review_task(manager, name="Once", items=5, batch_size=5)
        check = sample_check_next(reviewer=reviewer, task_id=task.pk)

        sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="accurate")

        assert list(AuditEvent.objects.filter(target_id=str(check.pk),
                                              target_type="review.samplecheck")
                    .order_by("pk").values_list("action", flat=True)) == \
            ["sample_check.claimed", "sample_check.recorded"]
        with pytest.raises(CheckAlreadyRecorded):
            sample_check_record(reviewer=reviewer, check_id=check.pk, verdict="inaccurate",
                                note="Changed my mind")
        check.refresh_from_db()
        assert check.verdict == "accurate"
