from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Check every link of the audit trail; report the first broken one and exit non-zero."

    def handle(self, *args, **options) -> None:
        report = audit_chain_verify()
        if report.first_break is not None:
            raise CommandError(
                f"Audit chain broken at event {report.first_break.event_id}: "
                f"{report.first_break.reason}. Checked {report.events_checked} event(s)."
            )
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain intact: {report.events_checked} event(s) checked; "
            f"last hash {report.last_hash}."))
