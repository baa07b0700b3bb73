"""Send requests to the app in a process of its own, configured by its environment alone (as a
web worker is), and print how each was answered and how long it took.

    python -m tests.jobs.outage_client '[{"user": 3, "url": "/api/...", "json": {...}}]'

Each request: ``user`` (signed in by id), ``url``, and ``json`` (a JSON body) or ``upload``
(a text file sent as ``file``)."""

import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    answers = []
    for request in json.loads(sys.argv[1]):
        client = Client()
        client.force_login(get_user_model().objects.get(pk=request["user"]))
        started = time.monotonic()
        if "upload" in request:
            response = client.post(request["url"], {"file": SimpleUploadedFile(
                "items.txt", request["upload"].encode())})
        else:
            response = client.post(request["url"], json.dumps(request.get("json", {})),
                                   content_type="application/json")
        answers.append({"status": response.status_code, "seconds": time.monotonic() - started,
                        "body": response.json() if response.content else None})
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
