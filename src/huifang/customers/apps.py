from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "huifang.customers"
    label = "customers"
    verbose_name = "客户"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.customers import (
            audit_actions,  # noqa: F401  (declares the audit actions)
            jobs,  # noqa: F401  (registers the import job handler)
        )
        from huifang.customers.workbench import register_panels

        register("data", NavItem("数据导入", "imports:upload", "customers.import_data"))
        register("data", NavItem("导入记录", "imports:record_list", "customers.view_importrecord"))
        register(
            "customers", NavItem("客户列表", "customers:customer_list", "customers.view_customer")
        )
        register_panels()
