from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "huifang.channels.calls"
    label = "calls"
    verbose_name = "外呼"

    def ready(self) -> None:
        from huifang.channels.calls import (
            audit_actions,  # noqa: F401  (declares the actions)
            exporting,
            task_section,
        )
        from huifang.core.navigation import NavItem, register

        register("records", NavItem("外呼记录", "calls:call_list", "calls.view_callattempt"))
        register(
            "records",
            NavItem("外呼名单", "calls:push_list", "calls.view_callpush", pages=("calls:push*",)),
        )
        register("records", NavItem("导入外呼结果", "calls:call_import", "calls.add_callattempt"))
        register(
            "records", NavItem("外呼结果映射", "calls:mapping_list", "calls.view_resultmapping")
        )
        task_section.install()
        exporting.install()
