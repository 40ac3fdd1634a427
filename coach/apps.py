from django.apps import AppConfig


class CoachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coach"
    verbose_name = "Teams"

    def ready(self) -> None:
        from . import (
            access,  # noqa: F401 - its receivers follow Membership changes
            limits,  # noqa: F401 - its receiver counts failed logins
        )
