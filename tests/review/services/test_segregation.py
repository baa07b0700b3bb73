"""Clause d: everything that is safety information is stored apart. After a whole flow of
safety labels, illegal verdicts and content invalidated elsewhere, no table of the main
database holds the risk code of any label, and safety exports sit in their own storage."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import connections
from django.test import TestCase

from annotation.services import lease_next, lease_submit
from review.models import ExportJob
from review.services import export_job_create, safety_label_approve, safety_label_reject
from safety_labels.models import SafetyLabel, VerdictRisk
from tests.review_setup import (
    check_all,
    functional_with,
    review_task,
    safety_label_on,
    samples_of,
)

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

RISK_CODE = re.compile(r"\bA\.[1-5]\.[a-z]\b")
# Reference data and exams, not labels: the 31 categories and the rules written for each,
# and exam questions (and answers) that ask to name them.
NOT_LABELS = {"rules_riskcategory", "rules_riskgroup", "rules_riskrule", "rules_ruleversion",
              "annotators_question", "annotators_attemptanswer", "annotators_module"}


def main_tables_holding_risk_codes() -> dict[str, list[str]]:
    connection = connections["default"]
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in NOT_LABELS:
                continue
            columns = [column.name for column in
                       connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            # The trail of rule editing names the categories a rule is written for.
            rules_edits = " WHERE action NOT LIKE 'risk_rule.%%'" \
                if table == "audit_auditevent" else ""
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}"
                           f"{rules_edits}")
            for row in cursor.fetchall():
                hits = [str(value) for value in row if value is not None
                        and RISK_CODE.search(str(value))]
                if hits:
                    found.setdefault(table, []).extend(hits)
    return found


def test_no_main_table_holds_a_risk_code_of_any_label(manager):
    # Verdicts naming illegal content (A.1-A.4) and unreliable content (A.5).
    task, _, reviewer = review_task(manager, name="Verdicts", items=4, batch_size=4)
    first, second = samples_of(task).get().item_ids[:2]
    check_all(reviewer, task, {first: ("illegal", "", ["A.1.b"]),
                               second: ("illegal", "", ["A.5.a"])})
    # Safety labels approved (one invalidating content elsewhere) and rejected.
    functional_with(manager, "Elsewhere", export=True)
    label, safety_reviewer = safety_label_on(manager, ["A.2.c", "A.4.b"])
    safety_label_approve(reviewer=safety_reviewer, label_id=label.pk)
    annotator = SafetyLabel.objects.get(pk=label.pk).annotator_id
    lease = lease_next(user=type(manager).objects.get(pk=annotator), task_id=label.task_id)
    lease_submit(user=lease.user, lease_id=lease.pk, client_id=uuid.uuid4(),
                 label={"risk_codes": ["A.3.a"], "note": "see A.3.a"})
    rejected = SafetyLabel.objects.get(lease_id=lease.pk)
    safety_label_reject(reviewer=safety_reviewer, label_id=rejected.pk, comment="Not A.3.a")
    with TestCase.captureOnCommitCallbacks(execute=True):
        export_job_create(actor=manager, task_id=label.task_id, format="jsonl")

    assert VerdictRisk.objects.count() == 2
    assert main_tables_holding_risk_codes() == {}


def test_the_scan_finds_a_code_where_one_is_stored(manager):
    from audit.services import record_event

    record_event(actor=manager, action="test.leak", target=manager, data={"codes": ["A.2.a"]})

    assert "audit_auditevent" in main_tables_holding_risk_codes()


def test_safety_exports_are_written_to_their_own_storage(manager, tmp_path):
    label, reviewer = safety_label_on(manager, ["A.1.a"], name="Exported")
    safety_label_approve(reviewer=reviewer, label_id=label.pk)
    functional = functional_with(manager, "Plain", export=True)

    with TestCase.captureOnCommitCallbacks(execute=True):
        job = export_job_create(actor=manager, task_id=label.task_id, format="jsonl")

    job = ExportJob.objects.get(pk=job.pk)
    plain = ExportJob.objects.get(task=functional)
    safety_root = Path(storages["safety_exports"].location).resolve()
    default_root = Path(settings.MEDIA_ROOT).resolve()
    assert job.status == "done"
    assert not job.file
    assert Path(job.safety_file.path).resolve().is_relative_to(safety_root)
    assert not safety_root.is_relative_to(default_root)
    assert Path(plain.file.path).resolve().is_relative_to(default_root)
    assert "A.1.a" in job.output.open("rb").read().decode()
