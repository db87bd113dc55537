from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "huifang.rules"
    label = "rules"
    verbose_name = "回访规则与筛选"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.rules import (
            audit_actions,  # noqa: F401  (declares the audit actions)
            audit_formats,
            jobs,  # noqa: F401  (registers the job handlers)
        )
        from huifang.rules.workbench import register_panels

        register("rules", NavItem("回访规则管理", "rules:rule_list", "rules.view_rule"))
        register(
            "rules",
            # 修改参数值 is parameter maintenance, though its address is under /rules/.
            NavItem(
                "回访规则参数维护",
                "rules:param_list",
                "rules.change_rule",
                pages=("rules:rule_edit",),
            ),
        )
        register("screening", NavItem("回访任务数据", "rules:screening", "rules.add_screeningrun"))
        register("screening", NavItem("筛选记录", "rules:run_list", "rules.view_screeningrun"))
        register("screening", NavItem("筛选对比", "rules:whatif", "rules.view_screeningrun"))
        register_panels()
        audit_formats.register()
