from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "huifang.automation"
    label = "automation"
    verbose_name = "常态化"

    def ready(self) -> None:
        from huifang.automation import (  # noqa: F401  (audit actions, job handlers, recovery, signals)
            audit_actions,
            intake,
            jobs,
            receivers,
            services,
        )
        from huifang.core.navigation import NavItem, off_menu, register

        register("screening", NavItem("回访计划", "automation:plan_list", "automation.view_plan"))
        register("screening", NavItem("自动导入", "automation:intake", "automation.view_intakerun"))
        off_menu("automation:notification_*")  # 站内消息: the header's bell, not 回访计划
        # 导入目录: HQ admins only (the auditor reads the folders on 自动导入).
        register(
            "system",
            NavItem("导入目录", "automation:intake_folders", "automation.change_intakefolder"),
        )
