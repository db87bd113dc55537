from django.urls import path

from huifang.rules import views

app_name = "rules"

urlpatterns = [
    path("", views.RuleListView.as_view(), name="rule_list"),
    path("params/", views.ParamListView.as_view(), name="param_list"),
    path("custom/new/", views.custom_rule_create, name="custom_create"),
    path("custom/preview/", views.custom_rule_preview, name="custom_preview"),
    path("<str:code>/", views.rule_detail, name="rule_detail"),
    path("<str:code>/edit/", views.rule_edit, name="rule_edit"),
    path("<str:code>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("<str:code>/compare/", views.version_compare, name="version_compare"),
    path("screening/new/", views.screening, name="screening"),
    path("screening/runs/", views.RunListView.as_view(), name="run_list"),
    path("screening/runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("screening/runs/<int:pk>/freeze/", views.run_freeze, name="run_freeze"),
    path("screening/runs/<int:pk>/hits/<int:hit_pk>/", views.hit_detail, name="hit_detail"),
    path("screening/whatif/", views.whatif, name="whatif"),
]
