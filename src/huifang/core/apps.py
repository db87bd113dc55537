from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "huifang.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from huifang.core import audit_actions, columns, signals  # noqa: F401  (actions; date columns; login audit)
        from huifang.core.speedups import cache_cell_signatures

        cache_cell_signatures()
        post_migrate.connect(_optimize_after_migrate, dispatch_uid="huifang_optimize_after_migrate")


def _optimize_after_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``huifang migrate``: SQLite's PRAGMA optimize once, after the last app's signal."""
    from django.apps import apps

    from huifang.core import dbstats

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if with_models and app_config is with_models[-1]:
        dbstats.optimize(using)
