from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "huifang.reports"
    label = "reports"
    verbose_name = "汇总统计"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register

        register("summary", NavItem("回访进度", "reports:dashboard", "callbacks.view_callbacktask"))
