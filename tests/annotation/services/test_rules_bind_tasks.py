"""Published rules bind their tasks: approvals, time per item and the sampling plan come from
the rule version; a task may make them stricter, never looser. The rules' target accuracy
is the default threshold of quality and is shown against each batch."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.services import task_create, task_move_rule_version, task_update
from annotation.services.tasks import LooserThanRules
from audit.models import AuditEvent
from review.models import QualityPolicy
from review.selectors import batch_board
from review.services import quality_evaluate
from review.services.sampling import plan_for
from rules.services import rule_version_new_draft, rule_version_publish, rule_version_update
from tests.review_setup import check_all, review_task, samples_of
from tests.rules.conftest import make_functional_draft, make_safety_draft

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


@pytest.fixture
def functional_rules(manager):
    """Published functional rules: 120 s expected, 20 s minimum, AQL 1.0 at level II."""
    return rule_version_publish(actor=manager, version_id=make_functional_draft(manager).pk)


@pytest.fixture
def safety_rules(manager):
    """Published safety rules asking for 2 approvals of each label."""
    from demo.rules import SAFETY_FIELDS

    draft = make_safety_draft(manager, fields={**SAFETY_FIELDS, "required_approvals": 2})
    return rule_version_publish(actor=manager, version_id=draft.pk)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestLooser:
    @pytest.mark.parametrize(("field", "value", "says"), [
        ("minimum_seconds_per_item", 5, "minimum time per item to 20 s"),
        ("expected_seconds_per_item", 60, "expected time per item to 120 s"),
        ("aql", "2.5", "AQL of 1.0"),
        ("inspection_level", "I", "inspect at level II"),
    ])
    def test_a_looser_functional_task_is_refused_naming_the_field(self, manager,
                                                                  functional_rules, field,
                                                                  value, says):
        with pytest.raises(LooserThanRules) as refused:
            task_create(actor=manager, name="Loose", rule_version_id=functional_rules.pk,
                        **{field: value})

        assert says in " ".join(refused.value.detail[field])

    def test_fewer_approvals_than_the_rules_ask_is_refused(self, manager, safety_rules):
        with pytest.raises(LooserThanRules) as refused:
            task_create(actor=manager, name="Lax", rule_version_id=safety_rules.pk,
                        required_approvals=1)

        assert "ask for 2 approvals" in refused.value.detail["required_approvals"][0]

    def test_a_task_takes_the_rules_values_by_default(self, manager, safety_rules):
        task = task_create(actor=manager, name="Default", rule_version_id=safety_rules.pk)

        assert (task.required_approvals, task.expected_seconds_per_item,
                task.minimum_seconds_per_item) == (2, 90, 15)

    def test_an_update_cannot_loosen_and_changes_nothing(self, manager, functional_rules):
        task = task_create(actor=manager, name="Update", rule_version_id=functional_rules.pk)

        with pytest.raises(LooserThanRules):
            task_update(actor=manager, task_id=task.pk, changes={"minimum_seconds_per_item": 1})

        task.refresh_from_db()
        assert task.minimum_seconds_per_item == 20

    def test_the_api_answers_400_with_the_reason_per_field(self, manager, functional_rules):
        created = api_for(manager).post(reverse("api:annotation:task-list"), {
            "name": "Api loose", "rule_version": functional_rules.pk, "aql": "4.0",
            "minimum_seconds_per_item": 1}, format="json")

        assert created.status_code == 400
        assert created.json()["code"] == "looser_than_rules"
        assert set(created.json()["detail"]) == {"aql", "minimum_seconds_per_item"}

    def test_the_settings_form_shows_the_reason_beside_the_field(self, manager, manager_client,
                                                                 functional_rules):
        task = task_create(actor=manager, name="Form", rule_version_id=functional_rules.pk)
        page = reverse("annotation:task-manage", args=[task.pk])
        form = manager_client.get(page).context["settings_form"]
        data = {name: form[name].value() if form[name].value() is not None else ""
                for name in form.fields}
        data.update({"expected_seconds_per_item": 30, "minimum_seconds_per_item": 10,
                     "tightened_switching": ""})

        response = manager_client.post(reverse("annotation:task-settings", args=[task.pk]),
                                       data)

        assert response.status_code == 400
        errors = response.context["settings_form"].errors
        assert "a task may give more time, never less" in errors["expected_seconds_per_item"][0]
        assert "minimum_seconds_per_item" in errors


class TestStricter:
    def test_a_stricter_plan_is_the_one_sampled_by(self, manager, functional_rules):
        task = task_create(actor=manager, name="Strict", rule_version_id=functional_rules.pk,
                           aql="0.40", inspection_level="III", required_approvals=3,
                           minimum_seconds_per_item=30, expected_seconds_per_item=180)

        _, plan = plan_for(task=task, batch_size=500)

        rules_plan = plan_for(task=task_create(actor=manager, name="As ruled",
                                               rule_version_id=functional_rules.pk),
                              batch_size=500)[1]
        assert plan.sample_size > rules_plan.sample_size
        assert plan.code_letter > rules_plan.code_letter

    def test_moving_to_stricter_rules_raises_what_is_looser_and_says_so(self, manager,
                                                                        functional_rules):
        task = task_create(actor=manager, name="Move", rule_version_id=functional_rules.pk)
        draft = rule_version_new_draft(actor=manager, source_version_id=functional_rules.pk)
        rule_version_update(actor=manager, version_id=draft.pk,
                            changes={"minimum_seconds_per_item": 40,
                                     "expected_seconds_per_item": 150})
        stricter = rule_version_publish(actor=manager, version_id=draft.pk)

        task = task_move_rule_version(actor=manager, task_id=task.pk,
                                      rule_version_id=stricter.pk)

        assert (task.minimum_seconds_per_item, task.expected_seconds_per_item) == (40, 150)
        event = AuditEvent.objects.get(action="task.rule_version_moved")
        assert event.data["raised"] == {"minimum_seconds_per_item": "20 -> 40",
                                        "expected_seconds_per_item": "120 -> 150"}


class TestTargetAccuracy:
    def test_is_the_quality_threshold_when_the_policy_sets_none(self, manager):
        QualityPolicy.objects.filter(kind="functional_annotate").update(threshold=None,
                                                                        minimum_checks=1)
        task, (worker,), reviewer = review_task(manager, name="Target", items=20,
                                                batch_size=20, annotators=1)
        items = samples_of(task).get().item_ids
        # One wrong of the sample: above 0.8, below the rules' 0.950.
        check_all(reviewer, task, {items[0]: ("inaccurate", "Wrong", [])})

        signal = quality_evaluate(user_id=worker.pk, kind="functional_annotate")

        assert signal is not None
        assert signal.threshold == Decimal("0.950")
        assert signal.task == task

    def test_a_policy_threshold_overrides_it(self, manager):
        QualityPolicy.objects.filter(kind="functional_annotate").update(
            threshold=Decimal("0.5"), minimum_checks=1)
        task, (worker,), reviewer = review_task(manager, name="Lenient", items=20,
                                                batch_size=20, annotators=1)
        check_all(reviewer, task, {samples_of(task).get().item_ids[0]: ("inaccurate", "x", [])})

        assert quality_evaluate(user_id=worker.pk, kind="functional_annotate") is None

    def test_the_batch_board_shows_each_batch_against_it(self, manager, manager_client):
        task, _, reviewer = review_task(manager, name="Board", items=10, batch_size=10)
        check_all(reviewer, task, {samples_of(task).get().item_ids[0]: ("inaccurate", "x", [])})

        [row] = batch_board(task=task)
        page = manager_client.get(reverse("review:batch-board", args=[task.pk]))

        assert row["target"] == Decimal("0.950")
        assert row["below_target"]
        assert "below</strong> the target 0.950" in page.content.decode()


class TestBounds:
    @pytest.mark.parametrize(("field", "value"), [
        ("working_hours_per_day", "13"), ("working_hours_per_day", "0.5"),
        ("labels_per_item", 11), ("batch_size", 20000), ("lease_multiple", 50),
        ("daily_exposure_cap_minutes", 600), ("break_reminder_minutes", 1),
    ])
    def test_settings_out_of_bounds_are_400_naming_the_field(self, manager, functional_rules,
                                                            field, value):
        task = task_create(actor=manager, name="Bounds", rule_version_id=functional_rules.pk)

        response = api_for(manager).patch(reverse("api:annotation:task-detail", args=[task.pk]),
                                          {field: value}, format="json")

        assert response.status_code == 400
        assert field in response.json()["detail"]
        task.refresh_from_db()
        assert str(getattr(task, field)) != str(value)

    @pytest.mark.parametrize(("changes", "field"), [
        ({"minimum_checks": 0}, "minimum_checks"), ({"window_days": 400}, "window_days"),
        ({"threshold": None}, "threshold"),
    ])
    def test_a_safety_quality_policy_refuses_values_out_of_bounds(self, manager, changes,
                                                                   field):
        response = api_for(manager).patch(
            reverse("api:review:quality-policy-detail", args=["safety_annotate"]), changes,
            format="json")

        assert response.status_code == 400
        assert field in response.json()["detail"]
        assert QualityPolicy.objects.get(kind="safety_annotate").threshold is not None
