from django.urls import path

from huifang.reports import compliance_views, dashboard, views
from huifang.reports.evidence import views as evidence_views

app_name = "reports"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("export/", dashboard.dashboard_export, name="dashboard_export"),
    path("compliance-counts/", dashboard.dashboard_compliance, name="dashboard_compliance"),
    path("measures/", views.MeasureListView.as_view(), name="measure_list"),
    path("measures/new/", views.measure_create, name="measure_create"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/status/", views.measure_status, name="measure_status"),
    path("measures/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("compliance/", compliance_views.index, name="compliance"),
    path("compliance/<slug:name>/", compliance_views.check_page, name="compliance_check"),
    path("evidence/", evidence_views.evidence, name="evidence"),
    path("restrictions/", views.RestrictionListView.as_view(), name="restrictions"),
    path("measure-types/", views.MeasureTypeListView.as_view(), name="type_list"),
    path("measure-types/new/", views.type_edit, name="type_create"),
    path("measure-types/<int:pk>/", views.type_edit, name="type_edit"),
]
