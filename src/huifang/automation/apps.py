from django.apps import AppConfig
from django.core import checks


def check_email_kinds(app_configs=None, **kwargs) -> list:
    """HUIFANG_EMAIL_KINDS names kinds of 站内消息 that exist."""
    from huifang.automation.models import NotificationKind
    from huifang.automation.notifications import unknown_email_kinds

    unknown = unknown_email_kinds()
    if not unknown:
        return []
    known = "、".join(
        f"{k.value}（{k.label}）" for k in NotificationKind if k != NotificationKind.DIGEST
    )
    return [
        checks.Error(
            f"HUIFANG_EMAIL_KINDS 中的 {'、'.join(unknown)} 不是站内消息的类型；可选：{known}",
            id="huifang.E022",
        )
    ]


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

        checks.register(check_email_kinds)

        register("screening", NavItem("回访计划", "automation:plan_list", "automation.view_plan"))
        register("screening", NavItem("自动导入", "automation:intake", "automation.view_intakerun"))
        off_menu("automation:notification_*")  # 站内消息: the header's bell, not 回访计划
        # 导入目录: HQ admins only (the auditor reads the folders on 自动导入).
        register(
            "system",
            NavItem("导入目录", "automation:intake_folders", "automation.change_intakefolder"),
        )
