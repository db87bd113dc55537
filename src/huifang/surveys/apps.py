from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = "问卷管理"
