"""Load demo data through the apps' own services; run again, it adds only what is missing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotators.models import Role
from annotators.services import person_create
from demo.clock import CLOCK
from demo.compliance import seed_compliance
from demo.review import seed_review
from demo.rules import seed_rules
from demo.work import seed_tasks
from demo.workforce import seed_workforce

# Published on purpose: demo accounts exist only where seed_demo ran, never in production.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}

PEOPLE = [
    ("manager.lin", "Lin Hua", Role.MANAGER),
    ("annotator.chen", "Chen Jing", Role.ANNOTATOR),
    ("annotator.wang", "Wang Lei", Role.ANNOTATOR),
    ("annotator.zhao", "Zhao Min", Role.ANNOTATOR),
    ("annotator.liu", "Liu Yang", Role.ANNOTATOR),
    ("annotator.ma", "Ma Li", Role.ANNOTATOR),
    ("reviewer.sun", "Sun Mei", Role.REVIEWER),
    ("reviewer.zhou", "Zhou Qiang", Role.REVIEWER),
    ("officer.qian", "Qian Yu", Role.COMPLIANCE_OFFICER),
]


class Command(BaseCommand):
    help = "Create demo people (and, as the product grows, demo work) for a first look."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--allow-production", action="store_true",
                            help="Run even on a server that answers to other hosts than this "
                                 "machine. Demo logins have a published password.")

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        public_hosts = set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS
        if public_hosts and not allow_production:
            raise CommandError(
                "Refusing to create demo accounts on a server that answers to "
                f"{', '.join(sorted(public_hosts))}: their password is published. Pass "
                "--allow-production if you really mean it.")
        with CLOCK.running():
            rows, lines = self._seed()
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD})")
        for role_label, username, state in rows:
            self.stdout.write(f"  {role_label:<10} {username:<16} {state}")
        for line in lines:
            self.stdout.write(line)

    def _seed(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        user_model = get_user_model()
        rows = []
        for username, full_name, role in PEOPLE:
            if user_model.objects.filter(username=username).exists():
                state = "exists"
            else:
                person_create(actor=None, username=username, password=DEMO_PASSWORD, role=role,
                              full_name=full_name, email=f"{username}@example.com")
                state = "created"
            rows.append((role.label, username, state))

        manager = user_model.objects.get(username=PEOPLE[0][0])
        return rows, (seed_rules(manager=manager) + seed_workforce(manager=manager)
                      + seed_tasks(manager=manager) + seed_review(manager=manager)
                      + seed_compliance(manager=manager))
