import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from annotators.models import Role
from audit.models import AuditEvent
from compliance.models import ComplianceSnapshot, SnapshotIsFrozen
from compliance.selectors import report_hash
from compliance.services import ComplianceRefused, PeriodInvalid, snapshot_freeze
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

TODAY = timezone.localdate


def freeze(actor, **scope):
    return snapshot_freeze(actor=actor, period_from=TODAY() - timedelta(days=6),
                           period_to=TODAY(), **scope)


def approve_one_waiting_label(manager) -> None:
    from review.services import safety_label_approve
    from safety_labels.models import SafetyApproval, SafetyLabel

    waiting = SafetyLabel.objects.filter(status="submitted").first()
    reviewer = SafetyApproval.objects.exclude(reviewer_id=waiting.annotator_id).first()
    safety_label_approve(reviewer=type(manager).objects.get(pk=reviewer.reviewer_id),
                         label_id=waiting.pk)


@pytest.fixture
def officer(db):
    return make_person("officer.gao", Role.COMPLIANCE_OFFICER)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestSnapshots:
    def test_a_frozen_report_keeps_its_figures_and_its_hash_is_in_the_trail(self, manager,
                                                                            work):
        snapshot = freeze(manager)
        frozen = json.loads(json.dumps(snapshot.report))
        approve_one_waiting_label(manager)     # the period's records change afterwards

        snapshot.refresh_from_db()
        event = AuditEvent.objects.get(action="compliance.snapshot_frozen",
                                       target_id=str(snapshot.pk))
        assert snapshot.report == frozen
        assert report_hash(snapshot.report) == snapshot.report_hash == event.data["hash"]
        assert event.data["audit_head"] == snapshot.audit_head

    def test_a_frozen_report_is_never_changed_or_removed(self, manager, work):
        snapshot = freeze(manager)

        with pytest.raises(SnapshotIsFrozen):
            ComplianceSnapshot.objects.filter(pk=snapshot.pk).update(report={})
        with pytest.raises(SnapshotIsFrozen):
            snapshot.save()
        with pytest.raises(SnapshotIsFrozen):
            snapshot.delete()

    def test_made_again_later_it_shows_which_figures_changed(self, manager, work,
                                                             manager_client):
        snapshot = freeze(manager)
        approve_one_waiting_label(manager)

        page = manager_client.get(reverse("compliance:snapshot-detail", args=[snapshot.pk]))

        comparison = page.context["comparison"]
        assert comparison["intact"]
        assert not comparison["agrees"]
        changed = {row["key"] for row in comparison["figures"] if not row["agrees"]}
        assert changed == {"status_approved", "status_submitted"}
        assert "Some figures differ" in page.content.decode()

    def test_only_managers_freeze(self, officer, work):
        with pytest.raises(ComplianceRefused):
            freeze(officer)

        assert not ComplianceSnapshot.objects.exists()

    def test_a_period_ending_before_it_starts_is_refused(self, manager):
        with pytest.raises(PeriodInvalid, match="ends before it starts"):
            snapshot_freeze(actor=manager, period_from=TODAY(),
                            period_to=TODAY() - timedelta(days=1))


class TestDownloads:
    def test_the_csv_files_come_with_a_manifest_of_their_hashes(self, manager_client, work):
        response = manager_client.get(reverse("compliance:report-csv"))

        archive = zipfile.ZipFile(io.BytesIO(response.content))
        manifest = json.loads(archive.read("manifest.json"))
        assert response["Content-Type"] == "application/zip"
        assert "figures.csv" in manifest["files"]
        assert "b-risk_categories.csv" in manifest["files"]
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
        figures = archive.read("figures.csv").decode()
        assert "c.2,holds,made,Safety labels made,4" in figures

    def test_a_frozen_reports_files_name_its_hash(self, manager, manager_client, work):
        snapshot = freeze(manager)

        response = manager_client.get(reverse("compliance:snapshot-download",
                                              args=[snapshot.pk, "zip"]))

        manifest = json.loads(zipfile.ZipFile(io.BytesIO(response.content))
                              .read("manifest.json"))
        assert manifest["report_hash"] == snapshot.report_hash

    def test_the_pdf_is_a_pdf(self, manager_client, work):
        response = manager_client.get(reverse("compliance:report-pdf"))

        assert response.status_code == 200
        assert response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"].startswith("attachment;")


class TestPages:
    def test_the_report_is_found_at_compliance_too(self, manager_client):
        response = manager_client.get("/compliance/?from=2026-11-01&to=2026-11-30")

        assert response.status_code == 302
        assert response.url == "/manage/report/?from=2026-11-01&to=2026-11-30"

    def test_a_worker_finds_nothing_at_compliance(self, annotator_client):
        assert annotator_client.get("/compliance/").status_code == 404

    def test_the_report_page_shows_every_clause_with_its_status(self, manager_client, work):
        page = manager_client.get(reverse("compliance:report")).content.decode()

        for clause in ("a.1", "a.2", "a.3", "a.4", "b", "c.1", "c.2", "d"):
            assert f'id="clause-{clause.replace(".", "")}"' in page
        assert "status-holds" in page

    def test_a_bad_date_is_shown_beside_its_field(self, manager_client):
        response = manager_client.get(reverse("compliance:report"),
                                      {"period_from": "2026-02-30"})

        assert response.status_code == 400
        assert "Enter a valid date" in response.content.decode()

    def test_freezing_from_the_page_goes_to_the_frozen_report(self, manager_client, work):
        response = manager_client.post(reverse("compliance:snapshot-create"), {
            "period_from": (TODAY() - timedelta(days=2)).isoformat(),
            "period_to": TODAY().isoformat()}, follow=True)

        snapshot = ComplianceSnapshot.objects.get()
        assert response.redirect_chain[-1][0] == reverse("compliance:snapshot-detail",
                                                         args=[snapshot.pk])
        assert snapshot.report_hash in response.content.decode()

    def test_a_compliance_officer_reads_but_cannot_freeze(self, client, officer, work):
        client.force_login(officer)

        home = client.get("/", follow=True)
        report = client.get(reverse("compliance:report"))
        refused = client.post(reverse("compliance:snapshot-create"), {
            "period_from": TODAY().isoformat(), "period_to": TODAY().isoformat()})

        assert home.redirect_chain[-1][0] == reverse("compliance:report")
        assert report.status_code == 200
        assert "Freeze this report" not in report.content.decode()
        assert refused.status_code == 404
        assert not ComplianceSnapshot.objects.exists()
        assert client.get(reverse("annotation:task-manage-list")).status_code == 403

    def test_workers_find_no_report(self, annotator_client):
        assert annotator_client.get(reverse("compliance:report")).status_code == 404

    def test_the_dashboard_shows_progress_queues_and_the_report_at_a_glance(
            self, manager_client, work):
        page = manager_client.get(reverse("compliance:home"))
        body = page.content.decode()

        rows = {row["task"].name: row for row in page.context["rows"]}
        # One batch accepted; the other sent back, its labels to make again.
        assert (rows["Figures"]["done"], rows["Figures"]["asked"]) == (3, 6)
        # One safety label waits for approval; the rejected one's item waits to be labelled.
        assert rows["Screen"]["queues"] == {"approvals": 1, "again": 1}
        assert "Compliance, last 30 days" in body
        assert "Labels made per day" in body
        assert sum(day["labels"] for day in page.context["chart"]) == 10


class TestApi:
    def test_the_report_has_the_figures_of_the_page(self, manager, work):
        body = api_for(manager).get(reverse("api:compliance:report")).json()

        sections = {section["clause"]: section for section in body["sections"]}
        assert body["status"] in ("holds", "at_risk")
        made = {figure["key"]: figure["value"] for figure in sections["c.2"]["figures"]}
        assert made["made"] == 4

    def test_snapshots_are_frozen_and_compared(self, manager, work):
        client = api_for(manager)

        created = client.post(reverse("api:compliance:snapshot-list"), {
            "period_from": (TODAY() - timedelta(days=1)).isoformat(),
            "period_to": TODAY().isoformat()}, format="json")
        detail = client.get(reverse("api:compliance:snapshot-detail",
                                    args=[created.json()["id"]])).json()

        assert created.status_code == 201
        assert detail["comparison"]["intact"] is True
        assert detail["comparison"]["agrees"] is True
        assert detail["snapshot"]["report_hash"] == created.json()["report_hash"]

    @pytest.mark.parametrize("query", [{"period_from": "yesterday"}, {"task": "x"},
                                       {"period_from": "2026-12-31", "period_to": "2026-01-01"}])
    def test_a_bad_period_is_400_naming_the_field(self, manager, query):
        response = api_for(manager).get(reverse("api:compliance:report"), query)

        assert response.status_code == 400
        assert response.json()["detail"]

    def test_an_unknown_task_is_404(self, manager):
        response = api_for(manager).get(reverse("api:compliance:report"), {"task": 999999})

        assert response.status_code == 404

    def test_officers_may_not_freeze_and_workers_see_nothing(self, officer, annotator):
        refused = api_for(officer).post(reverse("api:compliance:snapshot-list"), {},
                                        format="json")

        assert refused.status_code == 403
        assert api_for(annotator).get(reverse("api:compliance:report")).status_code == 404
        assert not ComplianceSnapshot.objects.exists()
