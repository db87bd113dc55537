from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "huifang.channels.sms"
    label = "sms"
    verbose_name = "短信"

    def ready(self) -> None:
        from huifang.channels.sms import audit_actions, hooks, jobs  # noqa: F401
        from huifang.core.navigation import NavItem, register

        register("tasks", NavItem("短信记录", "sms:message_list", "sms.view_smsmessage"))
        register("tasks", NavItem("短信模板", "sms:template_list", "sms.view_smstemplate"))
        register("tasks", NavItem("退订名单", "sms:optout_list", "sms.view_smsoptout"))
        hooks.install()
