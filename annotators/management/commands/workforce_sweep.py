from django.core.management.base import BaseCommand

from annotators.services import workforce_sweep


class Command(BaseCommand):
    help = ("Expire credentials, open retraining and reassessment, suspend the overdue, "
            "reinstate ended suspensions and send expiry reminders. Safe to run repeatedly.")

    def handle(self, *args, **options) -> None:
        counts = workforce_sweep()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}"
                                    for name, n in counts.items()))
