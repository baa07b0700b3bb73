"""An object that does not exist is 404 with the JSON error body, never 400 or 409."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db(databases=["default", "safety"])


@pytest.mark.parametrize(("method", "name", "args", "body"), [
    ("post", "api:review:batch-sample-draw", [999999], None),
    ("post", "api:review:safety-label-adjudicate", [999999],
     {"decision": "approve", "comment": "x"}),
    ("patch", "api:review:quality-policy-detail", ["no_such_kind"], {"window_days": 10}),
    ("post", "api:review:export-list", [999999], {"format": "jsonl"}),
    ("get", "api:review:export-download", [999999], None),
    ("get", "api:review:withdrawal-labels", [999999], None),
    ("delete", "api:annotation:membership-detail", [999999], None),
    ("post", "api:annotation:task-state", [999999], {"state": "active"}),
])
def test_an_unknown_id_is_404_with_the_error_body(manager, method, name, args, body):
    client = APIClient()
    client.force_authenticate(manager)

    response = getattr(client, method)(reverse(name, args=args), body, format="json")

    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "detail"}
