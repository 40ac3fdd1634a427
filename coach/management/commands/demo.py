from django.core.management.base import BaseCommand

from replays.demo import demo_setup


class Command(BaseCommand):
    help = "Create the demo team, users and replays on first run; print the demo login."

    def handle(self, *args, **options) -> None:
        password, created = demo_setup()
        if created:
            self.stdout.write("Created demo data: team 'Demo Team' with a coach and a player.")
        self.stdout.write(
            self.style.SUCCESS(f"Demo login: player / {password}   (coach / {password})")
        )
