"""How many audit events per second the hash chain takes, with several writers at once.

Every append takes the chain's lock, so this is the ceiling for audited writes. Run it with
the database you deploy on (PostgreSQL):

    DATABASE_URL=postgres://127.0.0.1/awm_bench \
    SAFETY_DATABASE_URL=postgres://127.0.0.1/awm_bench_safety \
        .venv/bin/python bench/audit_append.py --writers 8 --events 200

It migrates the databases it is pointed at and appends to their audit trail: never point it
at a production database.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from audit.selectors import audit_chain_verify  # noqa: E402
from audit.services import record_event  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=200, help="events per writer")
    args = parser.parse_args()

    call_command("migrate", database="default", verbosity=0)
    barrier = threading.Barrier(args.writers + 1)

    def write(n: int) -> None:
        barrier.wait()
        for i in range(args.events):
            with transaction.atomic():
                record_event(actor=None, action="bench.append", data={"writer": n, "i": i})
        connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(args.writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    total = args.writers * args.events
    verify_started = time.perf_counter()
    report = audit_chain_verify()
    verify_elapsed = time.perf_counter() - verify_started
    print(f"database: {connection.vendor}")
    print(f"appends: {total} by {args.writers} writers in {elapsed:.2f} s "
          f"= {total / elapsed:.0f} events/s")
    print(f"verify: {report.events_checked} events in {verify_elapsed:.2f} s "
          f"= {report.events_checked / verify_elapsed:.0f} events/s, intact={report.intact}")


if __name__ == "__main__":
    main()
