from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "huifang.org"
    label = "org"
    verbose_name = "组织与用户"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from huifang.org import audit_actions  # noqa: F401  (declares the audit actions)

        post_migrate.connect(_sync_roles, dispatch_uid="huifang_sync_roles")

        from huifang.core.navigation import NavItem, register

        register("system", NavItem("部门管理", "org:branch_list", "org.view_branch"))
        register("system", NavItem("用户管理", "org:user_list", "org.view_user"))
        register("system", NavItem("登录锁定", "org:lockouts", "org.change_user"))
        register("system", NavItem("审计日志", "core:audit_list", "core.view_auditevent"))
        register("system", NavItem("后台任务", "core:job_list", "core.view_job"))
        register("system", NavItem("交易日历", "core:calendar", "core.view_calendaryear"))


def _sync_roles(sender, **kwargs):
    from huifang.org.roles import sync_roles

    sync_roles()
