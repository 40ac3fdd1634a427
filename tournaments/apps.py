from django.apps import AppConfig


class TournamentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tournaments"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker, post_spawn, pre_execute

        post_spawn.connect(_sweep_orphans, dispatch_uid="tournaments-sweep-orphans")
        pre_execute.connect(_remember_task, dispatch_uid="tournaments-remember-task")
        post_execute_in_worker.connect(_forget_task, dispatch_uid="tournaments-forget-task")
        from .matches import MATCH_INFO_HOOKS
        from .tournament_selectors import tournament_match_info

        if tournament_match_info not in MATCH_INFO_HOOKS:  # spectators see the bracket's names
            MATCH_INFO_HOOKS.append(tournament_match_info)


def _sweep_orphans(sender, proc_name: str = "", **kwargs) -> None:
    """A new worker (maybe replacing a killed one) hands out matches left by dead workers."""
    import logging

    from .matches import matches_requeue_orphans
    from .play import play_matches_abandon_orphans

    try:
        matches_requeue_orphans()
        play_matches_abandon_orphans()
    except Exception:  # noqa: BLE001 - a worker must start even when the sweep cannot run
        logging.getLogger(__name__).exception("sweeping orphaned matches failed")


def _remember_task(sender, func=None, task=None, **kwargs) -> None:
    from .matches import remember_task

    if func is not None and task is not None:
        remember_task(func, task.get("args"))


def _forget_task(sender, **kwargs) -> None:
    from .matches import remember_task

    remember_task(None, None)
