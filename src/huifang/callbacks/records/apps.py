from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "huifang.callbacks.records"
    label = "records"
    verbose_name = "回访记录"

    def ready(self) -> None:
        from huifang.callbacks.records import customer_section, exporting
        from huifang.core.navigation import NavItem, register

        register(
            "records", NavItem("回访记录", "records:record_list", "records.view_callbackrecord")
        )
        register(
            "records",
            NavItem("营业部反馈", "records:feedback_list", "records.view_branchfeedback"),
        )
        register(
            "records",
            NavItem("失败原因字典", "records:reason_list", "records.view_failurereason"),
        )
        customer_section.install()
        exporting.install()
