"""Workers' pages: reading a course, taking an exam, and sample images."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotators.models import Credential
from annotators.selectors import attempt_questions
from annotators.services import attempt_start, question_add
from rules.models import RiskCategory
from tests.workforce import KIND, complete_training, right_answer

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# An attribute whose name would carry a key to the browser.
KEY_LIKE_ATTRIBUTE = re.compile(r"\sdata-[\w-]*(key|correct|answer|right|solution)", re.I)


def option_inputs(html: str, question) -> list[tuple[str, str]]:
    """Each answer input of ``question`` on the page, in page order: its value, and the
    markup of its label with that value and the option's text taken out. Whatever is left
    is the same for every option unless something marks one of them."""
    labels = re.findall(rf'<label[^>]*>\s*<input[^>]*name="q{question.pk}"[^>]*>.*?</label>',
                        html, re.S)
    inputs = []
    for label in labels:
        value = re.search(r'\svalue="([^"]*)"', label).group(1)
        markup = re.sub(r'\svalue="[^"]*"', "", label)
        markup = re.sub(r"(<input[^>]*>).*?(</label>)", r"\1\2", markup, flags=re.S)
        inputs.append((value, markup))
    return inputs


class TestWorkerJourney:
    def test_reads_the_course_takes_the_exam_and_holds_a_credential(self, client, annotator,
                                                                    workforce):
        client.force_login(annotator)
        course = workforce["course"]

        home = client.get(reverse("workforce:mine")).content.decode()
        response = client.post(reverse("workforce:course-start", args=[course.pk]))
        for module in course.modules.order_by("position"):
            assert client.get(reverse("workforce:module-detail", args=[module.pk])) \
                .status_code == 200
            response = client.post(reverse("workforce:module-confirm", args=[module.pk]))
        started = client.post(reverse("workforce:exam-start", args=[KIND]))
        attempt = annotator.exam_attempts.get()
        form = {f"q{q.pk}": [str(v) for v in right_answer(q)]
                for q, _ in attempt_questions(attempt)}
        saved = client.post(reverse("workforce:attempt-detail", args=[attempt.pk]),
                            {**form, "then": "submit"})
        confirm = client.get(reverse("workforce:attempt-submit", args=[attempt.pk]))
        graded = client.post(reverse("workforce:attempt-submit", args=[attempt.pk]),
                             follow=True)

        assert "not started" in home
        assert response.url == reverse("workforce:mine")
        assert started.url == reverse("workforce:attempt-detail", args=[attempt.pk])
        assert saved.url == reverse("workforce:attempt-submit", args=[attempt.pk])
        assert "You answered 8 of 8" in confirm.content.decode()
        assert "Passed: 100.00% overall" in graded.content.decode()
        assert Credential.objects.get(user=annotator).status == "active"
        mine = client.get(reverse("workforce:mine")).content.decode()
        assert "Safety annotation" in mine
        assert "Active" in mine

    def test_modules_cannot_be_skipped(self, client, annotator, workforce):
        client.force_login(annotator)
        course = workforce["course"]
        client.post(reverse("workforce:course-start", args=[course.pk]))
        last = course.modules.order_by("position").last()

        response = client.get(reverse("workforce:module-detail", args=[last.pk]), follow=True)

        assert "Read and confirm module 1" in response.content.decode()

    def test_the_attempt_page_shows_a_countdown_and_nothing_ticked(self, client, annotator,
                                                                   workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        client.force_login(annotator)

        html = client.get(reverse("workforce:attempt-detail", args=[attempt.pk])) \
            .content.decode()

        assert 'id="countdown" data-deadline=' in html
        assert "/static/js/countdown.js" in html
        assert not re.search(r"\bchecked\b", html)

    def test_no_option_is_marked_as_the_key(self, client, manager, annotator, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        # A key that is not the first option, so that an order giving it away would show.
        keyed_last = question_add(actor=manager, exam_id=workforce["exam"].pk,
                                  ability="using_tools", kind="single", prompt="Which tool?",
                                  options=["Brush", "Lasso", "Pen"], key=[2],
                                  explanation="The pen draws boxes.")
        practical = workforce["exam"].questions.get(kind="practical")
        attempt.question_ids = [*attempt.question_ids, keyed_last.pk,
                                *({practical.pk} - set(attempt.question_ids))]
        attempt.save(update_fields=["question_ids"])
        client.force_login(annotator)

        html = client.get(reverse("workforce:attempt-detail", args=[attempt.pk])) \
            .content.decode()

        questions = [question for question, _ in attempt_questions(attempt)]
        singles = [question for question in questions if question.kind == "single"]
        practicals = [question for question in questions if question.kind == "practical"]
        assert keyed_last in singles
        assert practicals
        for question in singles:
            values = [value for value, _ in option_inputs(html, question)]
            assert values == [str(index) for index in range(len(question.options))], question
        for question in practicals:
            codes = [value for value, _ in option_inputs(html, question)]
            assert sorted(codes) == sorted(RiskCategory.objects.values_list("code", flat=True))
        for question in questions:
            assert len({markup for _, markup in option_inputs(html, question)}) == 1, question
        assert not KEY_LIKE_ATTRIBUTE.search(html)
        assert "The pen draws boxes" not in html

    def test_every_page_during_an_attempt_is_free_of_keys(self, client, annotator,
                                                          workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        client.force_login(annotator)
        pages = [reverse("workforce:mine"), reverse("workforce:attempt-detail",
                                                    args=[attempt.pk]),
                 reverse("workforce:attempt-submit", args=[attempt.pk]),
                 reverse("workforce:course-detail", args=[workforce["course"].pk])]

        for page in pages:
            html = client.get(page).content.decode()
            assert "The first option is right" not in html, page
            assert "Gender bias and privacy" not in html, page
            assert not KEY_LIKE_ATTRIBUTE.search(html), page
            for question, _ in attempt_questions(attempt):
                inputs = option_inputs(html, question)
                assert len({markup for _, markup in inputs}) <= 1, (page, question)

    def test_explanations_appear_after_grading(self, client, annotator, workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        client.force_login(annotator)
        client.post(reverse("workforce:attempt-submit", args=[attempt.pk]))

        html = client.get(reverse("workforce:attempt-detail", args=[attempt.pk])) \
            .content.decode()

        assert "Not passed: 0.00% overall" in html
        assert "The first option is right" in html

    def test_another_workers_attempt_is_not_found(self, client, annotator, reviewer,
                                                  workforce):
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        client.force_login(reviewer)

        assert client.get(reverse("workforce:attempt-detail", args=[attempt.pk])) \
            .status_code == 404


class TestSampleImages:
    def test_served_only_to_the_candidate_with_safe_headers(self, client, manager, annotator,
                                                            reviewer, workforce, settings,
                                                            tmp_path):
        settings.MEDIA_ROOT = tmp_path
        exam = workforce["exam"]
        question = question_add(actor=manager, exam_id=exam.pk, ability="identifying_risks",
                                kind="practical", prompt="Which?", key=["A.1.a"],
                                sample_image=SimpleUploadedFile("s.png", PNG))
        complete_training(annotator, workforce["course"])
        attempt = attempt_start(user=annotator, kind=KIND)
        attempt.question_ids = [*attempt.question_ids, question.pk]
        attempt.save(update_fields=["question_ids"])
        url = reverse("workforce:question-image", args=[question.pk])

        client.force_login(annotator)
        served = client.get(url)
        client.force_login(reviewer)
        refused = client.get(url)

        assert served.status_code == 200
        assert served["Content-Type"] == "image/png"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served["Content-Security-Policy"]
        assert refused.status_code == 404


class TestExamStartPage:
    def test_an_exam_short_of_questions_is_explained_to_the_worker(self, client, annotator,
                                                                   workforce):
        workforce["exam"].questions.filter(ability="using_tools").update(active=False)
        complete_training(annotator, workforce["course"])
        client.force_login(annotator)

        response = client.post(reverse("workforce:exam-start", args=[KIND]), follow=True)

        html = response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("workforce:mine")
        assert "has 0 active questions for using the annotation tools but draws 2" in html
        assert "Ask a manager to add questions." in html
        assert not annotator.exam_attempts.exists()
