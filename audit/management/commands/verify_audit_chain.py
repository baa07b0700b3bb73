from django.core.management.base import BaseCommand, CommandError

from audit.selectors import AuditHeadMalformed, audit_chain_verify


class Command(BaseCommand):
    help = ("Check every link of the audit trail; report the first broken one and exit "
            "non-zero. With --expect-head, also fail when a head hash noted earlier is no "
            "longer in the trail (it was truncated or rewritten).")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--expect-head", metavar="HASH",
            help="a head hash noted earlier (printed by this command, the compliance report "
                 "and each snapshot); the trail must still hold it, as its last event or "
                 "followed by events appended since")

    def handle(self, *args, expect_head: str | None = None, **options) -> None:
        try:
            report = audit_chain_verify(expect_head=expect_head)
        except AuditHeadMalformed as error:
            raise CommandError(f"--expect-head: {error.message}") from None
        brk = report.first_break
        if brk is not None:
            where = f"at event {brk.event_id}" if brk.event_id is not None else "at the head"
            raise CommandError(
                f"Audit chain broken {where}: {brk.reason}. Checked {report.events_checked} "
                f"event(s); last hash {report.last_hash}.")
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain intact: {report.events_checked} event(s) checked; "
            f"last hash {report.last_hash}."))
        if report.unkeyed_events:
            self.stdout.write(f"{report.unkeyed_events} event(s) from before the chain was "
                              "keyed were checked by their unkeyed hashes.")
        head = report.expected_head
        if head is not None:
            if head.events_since == 0:
                self.stdout.write(f"The expected head {head.hash} is the last event.")
            else:
                where = f"event {head.event_id}" if head.event_id is not None else "the start"
                self.stdout.write(f"The expected head {head.hash} is {where}; "
                                  f"{head.events_since} event(s) since.")
