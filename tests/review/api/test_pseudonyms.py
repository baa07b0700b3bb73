"""Reviewers see work, not workers: through the API as on the pages, a task's workers are
named by their pseudonym in the task; only managers see who they are."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from annotation.pseudonyms import pseudonym, task_pseudonym
from tests.review_setup import review_task, samples_of

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sample_views(client, task) -> list[dict]:
    """The sample as the list, the detail and the page give it."""
    sample = samples_of(task).get()
    listed = client.get(reverse("api:review:sample-list", args=[task.pk]))
    detail = client.get(reverse("api:review:sample-detail", args=[sample.pk]))
    assert listed.status_code == detail.status_code == 200
    return [listed.json()["results"][0], detail.json()["sample"]]


class TestSamples:
    def test_a_reviewer_reads_strata_by_pseudonym(self, manager):
        task, people, reviewer = review_task(manager, name="Pseudo strata", items=6,
                                             batch_size=6)
        expected = {task_pseudonym(task_id=task.pk, user_id=person.pk) for person in people}

        for sample in sample_views(as_user(reviewer), task):
            assert set(sample["strata"]["annotators"]) == expected
            body = json.dumps(sample)
            for person in people:
                assert person.username not in body
                assert f'"{person.pk}"' not in body

    def test_a_manager_reads_them_by_user_id(self, manager):
        task, people, _ = review_task(manager, name="Pseudo managers", items=6, batch_size=6)

        for sample in sample_views(as_user(manager), task):
            assert set(sample["strata"]["annotators"]) == {str(person.pk) for person in people}

    def test_the_sample_page_shows_reviewers_pseudonyms_and_managers_names(self, manager):
        task, people, reviewer = review_task(manager, name="Pseudo page", items=6,
                                             batch_size=6)
        url = reverse("review:sample-detail", args=[samples_of(task).get().pk])

        as_reviewer = as_user(reviewer).get(url).content.decode()
        as_manager = as_user(manager).get(url).content.decode()

        for person in people:
            assert person.username not in as_reviewer
            assert task_pseudonym(task_id=task.pk, user_id=person.pk) in as_reviewer
            assert person.username in as_manager


class TestMemberships:
    def members(self, user, task) -> list[dict]:
        response = as_user(user).get(reverse("api:annotation:membership-list",
                                             args=[task.pk]))
        assert response.status_code == 200
        return response.json()["results"]

    def test_a_reviewer_sees_others_by_pseudonym_and_only_themselves_by_name(self, manager):
        task, people, reviewer = review_task(manager, name="Pseudo members", items=4,
                                             batch_size=4)

        rows = self.members(reviewer, task)

        mine = [row for row in rows if row["you"]]
        assert [(row["user"], row["user_id"]) for row in mine] == \
            [(reviewer.username, reviewer.pk)]
        others = {row["user"] for row in rows if not row["you"]}
        assert others == {task_pseudonym(task_id=task.pk, user_id=person.pk)
                          for person in people}
        assert all(row["user_id"] is None for row in rows if not row["you"])
        assert not any(person.username in json.dumps(rows) for person in people)

    def test_an_annotator_sees_the_same(self, manager):
        task, people, reviewer = review_task(manager, name="Pseudo peers", items=4,
                                             batch_size=4)

        rows = self.members(people[0], task)

        assert reviewer.username not in json.dumps(rows)
        assert people[1].username not in json.dumps(rows)

    def test_a_manager_sees_everyone_by_name(self, manager):
        task, people, reviewer = review_task(manager, name="Pseudo names", items=4,
                                             batch_size=4)

        rows = self.members(manager, task)

        assert {(row["user"], row["user_id"]) for row in rows} == \
            {(person.username, person.pk) for person in [*people, reviewer]}


class TestPseudonyms:
    def test_they_are_stable_in_a_task_and_unrelated_across_tasks_and_exports(self):
        one, other = task_pseudonym(task_id=1, user_id=7), task_pseudonym(task_id=2, user_id=7)

        assert one == task_pseudonym(task_id=1, user_id=7)
        assert one != other
        assert one != task_pseudonym(task_id=1, user_id=8)
        assert pseudonym(7)[2:] not in (one, other)
