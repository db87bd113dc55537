from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "huifang.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from huifang.core import audit_actions, columns, signals  # noqa: F401  (actions; date columns; login audit)
        from huifang.core.speedups import cache_cell_signatures

        cache_cell_signatures()
