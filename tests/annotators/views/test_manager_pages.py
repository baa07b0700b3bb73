"""Managers' pages: the workforce table, a person, credentials, and the editors."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from annotators.models import Assignment, CredentialPolicy, Exam, Question
from annotators.services import credential_suspend
from tests.workforce import KIND, build_exam

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class TestManagerPages:
    def test_the_workforce_table_filters_and_searches(self, manager_client, credentialed):
        url = reverse("workforce:people")

        everyone = manager_client.get(url).content.decode()
        suspended = manager_client.get(url, {"status": "suspended"}).content.decode()
        expiring = manager_client.get(url, {"expiring": "on"}).content.decode()
        found = manager_client.get(url, {"search": credentialed.user.username}).content.decode()

        assert "Suspend…" in everyone
        assert "No credential matches" in suspended
        assert "No credential matches" in expiring
        assert credentialed.user.username in found

    def test_suspending_asks_for_a_reason(self, manager_client, credentialed):
        url = reverse("workforce:credential-action", args=[credentialed.pk, "suspend"])

        page = manager_client.get(url).content.decode()
        empty = manager_client.post(url, {"reason": ""})
        done = manager_client.post(url, {"reason": "Spot check",
                                         "until_date": str(timezone.localdate()
                                                           + timedelta(days=5))})

        assert "cannot work under it from their very next request" in page
        assert empty.status_code == 200
        assert "This field is required" in empty.content.decode()
        assert done.status_code == 302
        credentialed.refresh_from_db()
        assert credentialed.status == "suspended"
        assert credentialed.suspended_until_date is not None

    def test_revoking_a_revoked_credential_is_explained(self, manager, manager_client,
                                                        credentialed):
        from annotators.services import credential_revoke

        credential_revoke(actor=manager, credential_id=credentialed.pk, reason="x")
        response = manager_client.post(reverse("workforce:credential-action",
                                               args=[credentialed.pk, "revoke"]),
                                       {"reason": "again"})

        assert "already revoked" in response.content.decode()

    def test_the_person_page_shows_scores_and_history(self, manager, manager_client,
                                                      credentialed):
        credential_suspend(actor=manager, credential_id=credentialed.pk, reason="Audit")

        html = manager_client.get(reverse("workforce:person-detail",
                                          args=[credentialed.user_id])).content.decode()

        assert "active → suspended" in html
        assert "Audit" in html
        assert "100.00%" in html
        assert "Identifying safety risks 100.00%" in html

    def test_bulk_retraining(self, manager_client, annotator, reviewer, workforce):
        response = manager_client.post(reverse("workforce:schedule-retraining"), {
            "user_ids": [annotator.pk, reviewer.pk], "kind": KIND,
            "due_date": str(timezone.localdate() + timedelta(days=10)), "reason": "v2"},
            follow=True)

        assert "Scheduled retraining for 2 person(s)." in response.content.decode()
        assert Assignment.objects.filter(type="retraining").count() == 2

    def test_editors_build_a_course_an_exam_and_a_policy(self, manager_client):
        manager_client.post(reverse("workforce:course-list"), {"title": "Review course"})
        from annotators.models import Course, Exam

        course = Course.objects.get(title="Review course")
        for topic in ("task_rules", "tool_use", "quality_verification"):
            manager_client.post(reverse("workforce:course-edit", args=[course.pk]),
                                {"title": topic, "topic": topic, "body": "Text."})
        refused = manager_client.post(reverse("workforce:policy-edit",
                                              args=["functional_review"]),
                                      {"course": course.pk, **self.policy_numbers()})
        manager_client.post(reverse("workforce:course-edit", args=[course.pk]),
                            {"title": "Security", "topic": "data_security", "body": "Text."})
        accepted = manager_client.post(reverse("workforce:policy-edit",
                                               args=["functional_review"]),
                                       {"course": course.pk, **self.policy_numbers()})
        manager_client.post(reverse("workforce:exam-list"), {
            "title": "Review exam", "time_limit_minutes": 20, "questions_per_ability": 1,
            "pass_mark_understanding_rules": 70, "pass_mark_using_tools": 70,
            "pass_mark_identifying_risks": 70, "pass_mark_data_security": 70,
            "overall_pass_mark": 80})
        exam = Exam.objects.get(title="Review exam")
        added = manager_client.post(reverse("workforce:exam-edit", args=[exam.pk]), {
            "ability": "identifying_risks", "kind": "practical", "prompt": "Which risks?",
            "key": "A.1.a, A.4.e", "sample_image": SimpleUploadedFile("s.png", PNG)})
        bad_image = manager_client.post(reverse("workforce:exam-edit", args=[exam.pk]), {
            "ability": "identifying_risks", "kind": "practical", "prompt": "Which risks?",
            "key": "A.1.a", "sample_image": SimpleUploadedFile("s.png", b"<svg onload=x>")})

        assert "no module on Data security management" in refused.content.decode()
        assert accepted.status_code == 302
        assert CredentialPolicy.objects.get(kind="functional_review").course == course
        assert added.status_code == 302
        assert Question.objects.get(exam=exam).key == ["A.1.a", "A.4.e"]
        assert "Upload a PNG, JPEG, GIF or WebP image" in bad_image.content.decode()

    @staticmethod
    def policy_numbers() -> dict:
        return {"validity_days": 365, "retraining_interval_days": 180,
                "reassessment_interval_days": 330, "grace_days": 14, "max_attempts": 3,
                "cooldown_hours": 24, "revocation_wait_days": 30, "expiry_notice_days": 30}

    def test_workers_cannot_open_manager_pages(self, annotator_client, credentialed):
        for url in (reverse("workforce:people"), reverse("workforce:policy-list"),
                    reverse("workforce:credential-action", args=[credentialed.pk, "suspend"]),
                    reverse("workforce:course-list"), reverse("workforce:exam-list")):
            assert annotator_client.get(url).status_code == 403, url


EXAM_FORM = {"title": "Review exam", "time_limit_minutes": 20, "questions_per_ability": 1,
             "pass_mark_understanding_rules": 70, "pass_mark_using_tools": 70,
             "pass_mark_identifying_risks": 70, "pass_mark_data_security": 70,
             "overall_pass_mark": 80}


class TestExamEditor:
    def test_a_pass_mark_below_the_floor_is_refused_beside_its_field(self, manager_client):
        response = manager_client.post(reverse("workforce:exam-list"),
                                       {**EXAM_FORM, "pass_mark_identifying_risks": 30})

        assert response.status_code == 200
        assert response.context["form"].errors == {"pass_mark_identifying_risks": [
            "A pass mark below 60% lets people pass knowing too little; set 60 or more."]}
        assert "set 60 or more" in response.content.decode()
        assert not Exam.objects.filter(title="Review exam").exists()

    def test_a_lower_floor_set_by_the_provider_allows_less(self, manager_client, settings):
        settings.EXAM_PASS_MARK_FLOOR = 25

        response = manager_client.post(reverse("workforce:exam-list"),
                                       {**EXAM_FORM, "pass_mark_identifying_risks": 30})

        assert response.status_code == 302
        assert Exam.objects.get(title="Review exam").pass_mark_identifying_risks == 30

    @pytest.mark.parametrize(("field", "value"), [
        ("questions_per_ability", 0), ("questions_per_ability", 51),
        ("time_limit_minutes", 4), ("time_limit_minutes", 241)])
    def test_settings_out_of_bounds_are_refused_beside_their_field(self, manager_client,
                                                                   field, value):
        response = manager_client.post(reverse("workforce:exam-list"),
                                       {**EXAM_FORM, field: value})

        assert response.status_code == 200
        assert set(response.context["form"].errors) == {field}
        assert not Exam.objects.filter(title="Review exam").exists()

    def test_the_exam_pages_show_what_the_pool_lacks(self, manager_client, manager):
        exam = build_exam(manager, title="Short exam", per_ability=4)
        sentence = ("Exam 'Short exam' has 3 active questions for identifying safety risks "
                    "but draws 4; add 1 more before using it.")

        listing = manager_client.get(reverse("workforce:exam-list")).content.decode()
        detail = manager_client.get(reverse("workforce:exam-edit", args=[exam.pk])) \
            .content.decode()

        assert escape(sentence) in listing
        assert escape(sentence) in detail


class TestPolicyEditor:
    def post(self, client, **changes):
        return client.post(reverse("workforce:policy-edit", args=[KIND]),
                           {**TestManagerPages.policy_numbers(), **changes})

    @pytest.mark.parametrize(("field", "value"), [
        ("validity_days", 29), ("validity_days", 1096), ("retraining_interval_days", 6),
        ("grace_days", 61), ("max_attempts", 11), ("cooldown_hours", 721),
        ("revocation_wait_days", 366)])
    def test_a_value_out_of_bounds_is_refused_beside_its_field(self, manager_client,
                                                               workforce, field, value):
        response = self.post(manager_client, course=workforce["course"].pk,
                             exam=workforce["exam"].pk, **{field: value})

        assert response.status_code == 200
        assert set(response.context["form"].errors) == {field}
        assert getattr(CredentialPolicy.objects.get(kind=KIND), field) != value

    def test_an_expiry_notice_longer_than_the_validity_is_refused_beside_it(
            self, manager_client, workforce):
        response = self.post(manager_client, course=workforce["course"].pk,
                             exam=workforce["exam"].pk, validity_days=60,
                             retraining_interval_days=60, reassessment_interval_days=60,
                             expiry_notice_days=90)

        assert response.status_code == 200
        assert response.context["form"].errors == {"expiry_notice_days": [
            "A notice 90 days ahead would come before the credential is issued (it is valid "
            "for 60 days); set 60 days or fewer."]}
        assert CredentialPolicy.objects.get(kind=KIND).validity_days == 365

    def test_an_exam_short_of_questions_is_refused_beside_the_exam(self, manager_client,
                                                                   manager, workforce):
        short = build_exam(manager, title="Short exam", per_ability=5, pool=3)

        response = self.post(manager_client, course=workforce["course"].pk, exam=short.pk)

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["exam"]
        assert ("Exam 'Short exam' has 3 active questions for using the annotation tools but "
                "draws 5; add 2 more before using it.") in errors["exam"]
        assert CredentialPolicy.objects.get(kind=KIND).exam == workforce["exam"]
