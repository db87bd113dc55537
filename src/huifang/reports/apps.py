from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "huifang.reports"
    label = "reports"
    verbose_name = "汇总统计"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.reports import audit_actions, sections  # noqa: F401  (actions; sections)

        register("summary", NavItem("回访进度", "reports:dashboard", "callbacks.view_callbacktask"))
        register(
            "summary", NavItem("合规核查", "reports:compliance", "callbacks.view_callbacktask")
        )
        register("summary", NavItem("管理措施", "reports:measure_list", "reports.view_measure"))
        register("summary", NavItem("限制名单", "reports:restrictions", "reports.view_measure"))
        register(
            "summary", NavItem("措施类型字典", "reports:type_list", "reports.view_measuretype")
        )
        sections.install()
