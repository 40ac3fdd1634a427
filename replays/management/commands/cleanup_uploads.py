"""``manage.py cleanup_uploads [--hours N]``: removes abandoned chunked uploads' part files."""

from django.conf import settings
from django.core.management.base import BaseCommand

from replays.upload_cleanup import uploads_remove_abandoned


class Command(BaseCommand):
    help = "Remove the part files of chunked uploads that received nothing for N hours."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--hours",
            type=float,
            default=settings.FILMROOM_UPLOAD_ABANDONED_HOURS,
            help="idle time before an upload counts as abandoned (default: %(default)s)",
        )

    def handle(self, *args, hours: float, **options) -> None:
        done = uploads_remove_abandoned(hours)
        self.stdout.write(
            f"Removed {done.files} abandoned part file(s) ({done.bytes / 2**20:.1f} MB), "
            f"{done.uploads} upload(s) marked expired (idle over {hours:g} h)."
        )
