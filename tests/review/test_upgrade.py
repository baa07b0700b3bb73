"""A database from before the clauses were held in every setup is brought into line by the
migrations: verdicts' risk codes move to the safety database, approvals get the credential
they were given under, what exports carried out is recorded, and tasks follow their rules."""

import json

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase

from annotation.models import Batch, Task
from review.models import BatchDecision, SampleCheck
from review.services import export_job_create, safety_label_approve
from safety_labels.models import SafetyApproval, SafetyLabel, VerdictRisk
from tests.annotation_setup import make_task
from tests.review_setup import (
    check_all,
    functional_with,
    review_task,
    safety_label_on,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                                   serialized_rollback=True)

BEFORE = {"safety": [("safety_labels", "0004_votes_exclude_requests")],
          "default": [("review", "0003_export_started_at"),
                      ("annotation", "0004_current_labels_index")]}


def migrate(alias: str, targets=None) -> None:
    executor = MigrationExecutor(connections[alias])
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def sql(statement: str, params: list) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(statement, params)


def test_the_migrations_bring_an_older_database_into_line(manager):
    task, _, reviewer = review_task(manager, name="Older", items=3, batch_size=3)
    illegal = samples_of(task).get().item_ids[0]
    check_all(reviewer, task, {illegal: ("illegal", "", ["A.1.c"])})
    check = SampleCheck.objects.get(item_id=illegal)
    decision = BatchDecision.objects.get(batch__task=task)
    label, safety_reviewer = safety_label_on(manager, ["A.5.a"], name="Olderscreen")
    safety_label_approve(reviewer=safety_reviewer, label_id=label.pk)
    exported = functional_with(manager, "Olderexport", export=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        export_job_create(actor=manager, task_id=label.task_id, format="jsonl")
    credential = safety_reviewer.credentials.get(kind="safety_review")
    loose = make_task(manager, kind="functional", name="Olderloose")

    migrate("default", BEFORE["default"])
    migrate("safety", BEFORE["safety"])
    # As the older code kept them: codes on the verdict and in the decision's evidence, and a
    # task looser than its rules.
    sql("UPDATE review_samplecheck SET risk_codes = %s WHERE id = %s",
        [json.dumps(["A.1.c"]), check.pk])
    evidence = dict(decision.evidence)
    evidence["illegal"] = [{**row, "risk_codes": ["A.1.c"]} for row in evidence["illegal"]]
    sql("UPDATE review_batchdecision SET evidence = %s WHERE id = %s",
        [json.dumps(evidence), decision.pk])
    sql("UPDATE annotation_task SET minimum_seconds_per_item = 1 WHERE id = %s", [loose.pk])

    migrate("safety")
    migrate("default")

    check.refresh_from_db()
    decision.refresh_from_db()
    assert VerdictRisk.objects.get(pk=check.risks_id).risk_codes == ["A.1.c"]
    assert "risk_codes" not in json.dumps(decision.evidence)
    assert SafetyApproval.objects.get(label_id=label.pk).credential_id == credential.pk
    assert SafetyLabel.objects.get(pk=label.pk).first_exported_at is not None
    assert Batch.objects.get(task=exported).first_exported_at is not None
    assert Task.objects.get(pk=loose.pk).minimum_seconds_per_item == \
        loose.rule_version.minimum_seconds_per_item == 20
