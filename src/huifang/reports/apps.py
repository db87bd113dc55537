from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "huifang.reports"
    label = "reports"
    verbose_name = "汇总统计"

    def ready(self) -> None:
        from huifang.core.audit_display import register_format
        from huifang.core.navigation import NavItem, register
        from huifang.reports import audit_actions, jobs, sections  # noqa: F401  (registries)

        register("summary", NavItem("回访进度", "reports:dashboard", "callbacks.view_callbacktask"))
        register(
            "summary", NavItem("合规核查", "reports:compliance", "callbacks.view_callbacktask")
        )
        register("summary", NavItem("管理措施", "reports:measure_list", "reports.view_measure"))
        register("summary", NavItem("限制名单", "reports:restrictions", "reports.view_measure"))
        register(
            "summary", NavItem("措施类型字典", "reports:type_list", "reports.view_measuretype")
        )
        register("summary", NavItem("证据包", "reports:evidence", "reports.generate_evidence"))
        sections.install()
        post_migrate.connect(_ensure_tallies, sender=self)
        register_format("reports.measure", "finding", _finding_in_words)


def _ensure_tallies(using="default", **kwargs) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: put the
    counters' triggers back (and recount) after every ``migrate`` (``reports.tallies``)."""
    from huifang.reports import tallies

    tallies.ensure(connections[using])


def _finding_in_words(value, names, event) -> str:
    """A measure's 来源合规核查 in the audit log: the check's title, not its key."""
    from huifang.reports.compliance import finding_title

    return finding_title(str(value))
