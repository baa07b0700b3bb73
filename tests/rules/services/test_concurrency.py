import threading

import pytest
from django.db import DatabaseError, connections, transaction

from annotators.models import Role
from rules.models import RuleSet, RuleVersion
from rules.services import (
    DraftAlreadyExists,
    RuleVersionWrongState,
    rule_version_new_draft,
    rule_version_publish,
    rule_version_update,
)
from tests.conftest import make_person
from tests.rules.conftest import make_functional_draft

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_together(*jobs) -> list:
    """Start the jobs at one moment in threads with their own connections; return outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def is_locked_while(job, monkeypatch, target: str, probe) -> bool:
    """Run ``job`` in a thread, pause it inside its transaction where it calls ``target``
    (a "module.function" path), and say whether ``probe`` then finds its row locked."""
    module_path, name = target.rsplit(".", 1)
    module = __import__(module_path, fromlist=[name])
    real = getattr(module, name)
    inside, release = threading.Event(), threading.Event()

    def paused(*args, **kwargs):
        inside.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)
    outcome: list = []

    def run():
        try:
            outcome.append(job())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert inside.wait(10), f"{target} was never reached"
        try:
            with transaction.atomic():
                probe()
        except DatabaseError:
            return True
        return False
    finally:
        release.set()
        thread.join()
        assert outcome, "the job failed"


class TestLockScope:
    def test_editing_a_draft_leaves_its_rule_set_free(self, monkeypatch):
        manager = make_person("mgr.lock", Role.MANAGER)
        draft = make_functional_draft(manager)

        locked = is_locked_while(
            lambda: rule_version_update(actor=manager, version_id=draft.pk,
                                        changes={"objectives": "Edited."}),
            monkeypatch, "rules.services.drafts._apply",
            lambda: RuleSet.objects.select_for_update(nowait=True).get(pk=draft.rule_set_id))

        assert locked is False
        assert RuleVersion.objects.get(pk=draft.pk).objectives == "Edited."

    def test_editing_a_draft_locks_the_draft(self, monkeypatch):
        manager = make_person("mgr.lock", Role.MANAGER)
        draft = make_functional_draft(manager)

        locked = is_locked_while(
            lambda: rule_version_update(actor=manager, version_id=draft.pk,
                                        changes={"objectives": "Edited."}),
            monkeypatch, "rules.services.drafts._apply",
            lambda: RuleVersion.objects.select_for_update(nowait=True).get(pk=draft.pk))

        assert locked is True
        assert RuleVersion.objects.get(pk=draft.pk).objectives == "Edited."

    @staticmethod
    def starting_a_draft_holds(monkeypatch, probe_of) -> bool:
        """Whether starting a draft from a published version holds the lock ``probe_of``
        (given the source version) asks for."""
        manager = make_person("mgr.lock", Role.MANAGER)
        source = rule_version_publish(actor=manager,
                                      version_id=make_functional_draft(manager).pk)

        return is_locked_while(
            lambda: rule_version_new_draft(actor=manager, source_version_id=source.pk),
            monkeypatch, "rules.services.drafts.draft_create", lambda: probe_of(source))

    def test_starting_a_draft_locks_its_rule_set(self, monkeypatch):
        locked = self.starting_a_draft_holds(monkeypatch, lambda source: (
            RuleSet.objects.select_for_update(nowait=True).get(pk=source.rule_set_id)))

        assert locked is True

    def test_starting_a_draft_leaves_the_version_it_copies_free(self, monkeypatch):
        locked = self.starting_a_draft_holds(monkeypatch, lambda source: (
            RuleVersion.objects.select_for_update(nowait=True).get(pk=source.pk)))

        assert locked is False


class TestConcurrentPublishing:
    def test_two_managers_publishing_get_consecutive_numbers(self):
        first, second = make_person("mgr.one", Role.MANAGER), make_person("mgr.two", Role.MANAGER)
        source = rule_version_publish(actor=first,
                                      version_id=make_functional_draft(first).pk)

        def draft_and_publish(manager):
            def job():
                for _ in range(50):
                    try:
                        draft = rule_version_new_draft(actor=manager,
                                                       source_version_id=source.pk)
                    except DraftAlreadyExists:
                        continue  # the other manager's draft is not published yet
                    return rule_version_publish(actor=manager, version_id=draft.pk).number
                raise AssertionError("never got to start a draft")
            return job

        outcomes = run_together(draft_and_publish(first), draft_and_publish(second))

        assert sorted(outcomes) == [2, 3]
        versions = list(RuleVersion.objects.filter(rule_set=source.rule_set)
                        .order_by("number").values_list("number", "status"))
        assert versions == [(1, "published"), (2, "published"), (3, "published")]

    def test_one_draft_published_twice_at_once_is_published_once(self):
        first, second = make_person("mgr.a", Role.MANAGER), make_person("mgr.b", Role.MANAGER)
        draft = make_functional_draft(first)

        outcomes = run_together(
            lambda: rule_version_publish(actor=first, version_id=draft.pk),
            lambda: rule_version_publish(actor=second, version_id=draft.pk))

        published = [o for o in outcomes if isinstance(o, RuleVersion)]
        refused = [o for o in outcomes if isinstance(o, RuleVersionWrongState)]
        assert (len(published), len(refused)) == (1, 1)
        from audit.models import AuditEvent

        assert AuditEvent.objects.filter(action="rule_version.published",
                                         target_id=str(draft.pk)).count() == 1

    def test_two_new_drafts_at_once_make_one(self):
        first, second = make_person("mgr.c", Role.MANAGER), make_person("mgr.d", Role.MANAGER)
        source = rule_version_publish(actor=first, version_id=make_functional_draft(first).pk)

        outcomes = run_together(
            lambda: rule_version_new_draft(actor=first, source_version_id=source.pk),
            lambda: rule_version_new_draft(actor=second, source_version_id=source.pk))

        assert sum(isinstance(o, RuleVersion) for o in outcomes) == 1
        assert sum(isinstance(o, DraftAlreadyExists) for o in outcomes) == 1
        assert RuleVersion.objects.filter(rule_set=source.rule_set, status="draft").count() == 1
