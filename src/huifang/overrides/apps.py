from django.apps import AppConfig


class OverridesConfig(AppConfig):
    name = "huifang.overrides"
    label = "overrides"
    verbose_name = "替换 Django 的命令"
