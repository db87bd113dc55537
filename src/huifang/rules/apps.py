from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "huifang.rules"
    label = "rules"
    verbose_name = "回访规则与筛选"
