from django.core.management.base import BaseCommand

from coach.demo import demo_setup
from replays.profiles.services import profiles_install_builtin


class Command(BaseCommand):
    help = "Install the built-in profiles; create the demo team, users and replays on first run."

    def handle(self, *args, **options) -> None:
        for version in profiles_install_builtin():
            self.stdout.write(f"Built-in profile {version.profile.name} v{version.number}")
        login = demo_setup()
        for note in login.notes:
            self.stdout.write(self.style.WARNING(note))
        player, coach = login.usernames["player"], login.usernames["coach"]
        if login.created:
            self.stdout.write(
                f"Created demo data: team 'Demo Team' (coach {coach!r}, player {player!r}), "
                "3 replays, an agent."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {player} / {login.password}   ({coach} / {login.password})"
            )
        )
