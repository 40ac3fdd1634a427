from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "replays"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_sweep_orphans, dispatch_uid="replays-sweep-orphans")


def _sweep_orphans(sender, proc_name: str = "", **kwargs) -> None:
    """A new worker (maybe replacing one killed mid-job) hands out replays left by dead workers."""
    import logging

    from .services import replays_requeue_orphans

    try:
        replays_requeue_orphans()
    except Exception:  # noqa: BLE001 - a worker must start even when the sweep cannot run
        logging.getLogger(__name__).exception("sweeping orphaned replays failed")
