import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from demo.management.commands.seed_demo import PEOPLE

pytestmark = pytest.mark.django_db(databases=["default", "safety"])

USERNAMES = [username for username, _, _ in PEOPLE]


class TestSeedDemo:
    def test_creates_a_manager_an_officer_five_annotators_and_two_reviewers(self, capsys):
        call_command("seed_demo")

        users = get_user_model().objects.filter(username__in=USERNAMES)
        groups = sorted(user.groups.get().name for user in users)
        assert groups == ["Annotators"] * 5 + ["Compliance officers", "Managers"] \
            + ["Reviewers"] * 2
        output = capsys.readouterr().out
        assert all(username in output for username in USERNAMES)
        assert "password" in output

    def test_printed_logins_work(self, client, capsys):
        call_command("seed_demo")
        password = capsys.readouterr().out.split("password for each: ")[1].split(")")[0]

        response = client.post("/accounts/login/", {"username": "manager.lin",
                                                     "password": password})

        assert response.status_code == 302

    def test_running_twice_adds_nothing(self, capsys):
        call_command("seed_demo")
        events = AuditEvent.objects.filter(action="person.created").count()

        call_command("seed_demo")

        assert get_user_model().objects.filter(username__in=USERNAMES).count() == len(PEOPLE)
        assert AuditEvent.objects.filter(action="person.created").count() == events
        assert "exists" in capsys.readouterr().out

    def test_refuses_on_a_server_other_hosts_reach(self, settings):
        settings.ALLOWED_HOSTS = ["annotation.example.com", "127.0.0.1"]

        with pytest.raises(CommandError, match=r"annotation\.example\.com"):
            call_command("seed_demo")

        assert not get_user_model().objects.filter(username__in=USERNAMES).exists()


class TestSeedDemoWorkforce:
    def test_people_hold_credentials_in_every_state(self):
        from annotators.models import Credential

        call_command("seed_demo")

        states = set(Credential.objects.values_list("status", flat=True))
        assert states == {"active", "suspended", "revoked", "expired"}

    def test_every_kind_has_a_course_on_four_topics_and_an_exam_of_forty(self):
        from annotators.models import Ability, CredentialPolicy, Topic

        call_command("seed_demo")

        for policy in CredentialPolicy.objects.select_related("course", "exam"):
            topics = set(policy.course.modules.values_list("topic", flat=True))
            assert topics == set(Topic.values)
            questions = policy.exam.questions.all()
            assert questions.count() >= 40
            assert set(questions.values_list("ability", flat=True)) == set(Ability.values)
            assert questions.filter(kind="practical").exists()


@pytest.mark.django_db(databases=["default", "safety"])
class TestSeedDemoTasks:
    def test_active_tasks_of_both_kinds_with_items_members_and_labels(self):
        from annotation.models import FunctionalLabel, Membership, Task
        from safety_labels.models import SafetyLabel

        call_command("seed_demo")

        tasks = Task.objects.filter(state="active")
        assert sorted(tasks.values_list("kind", flat=True)) == ["functional", "functional",
                                                                "safety"]
        for task in tasks:
            assert task.items.count() >= 150
            functions = set(task.memberships.values_list("function", flat=True))
            assert functions == {"annotate", "review"}
        pairs = Membership.objects.values_list("task_id", "user_id")
        assert len(pairs) == len(set(pairs))
        assert FunctionalLabel.objects.exists()
        assert SafetyLabel.objects.exists()

    # Committed as in make run: each batch's last label draws its sample once it commits.
    @pytest.mark.django_db(databases=["default", "safety"], transaction=True,
                           serialized_rollback=True)
    def test_review_has_batches_in_every_state_and_work_waiting(self):
        from annotation.models import Batch, FunctionalLabel
        from review.models import BatchDecision, QualitySignal, SampleCheck
        from safety_labels.models import SafetyLabel

        call_command("seed_demo")

        assert set(Batch.objects.values_list("state", flat=True)) >= {
            "open", "annotating", "in_review", "accepted", "invalidated"}
        assert not FunctionalLabel.objects.filter(too_fast=True).exists()
        assert set(BatchDecision.objects.values_list("outcome", flat=True)) == {
            "accepted", "rework", "invalidated"}
        assert SampleCheck.objects.filter(verdict="").exists()
        assert set(SafetyLabel.objects.values_list("status", flat=True)) >= {
            "submitted", "approved", "rejected", "escalated"}
        signal = QualitySignal.objects.get()
        assert signal.user.username == "annotator.ma"
        assert signal.evidence["checks"]
        assert signal.user.credentials.get().status == "suspended"
        from compliance.models import ComplianceSnapshot
        assert ComplianceSnapshot.objects.get().created_by.username == "manager.lin"

    def test_a_functional_item_keeps_its_prompt_and_answers_together(self):
        from annotation.models import Item

        call_command("seed_demo")

        item = Item.objects.filter(task__kind="functional").order_by("id").first()
        assert "Prompt 0" in item.text
        assert "Answer C" in item.text
