from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company (``huifang demo``). Rightmost app: it may use every other one."""

    name = "huifang.demo"
    label = "demo"
    verbose_name = "演示数据"
