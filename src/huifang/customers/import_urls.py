from django.urls import path

from huifang.customers import import_views

app_name = "imports"

urlpatterns = [
    path("import/", import_views.upload, name="upload"),
    path("import/confirm/", import_views.confirm, name="confirm"),
    path("import/template/<str:dataset>/", import_views.template_file, name="template"),
    path("imports/", import_views.ImportRecordListView.as_view(), name="record_list"),
    path("imports/<int:pk>/", import_views.ImportRecordDetailView.as_view(), name="record_detail"),
    path("imports/<int:pk>/report/", import_views.report, name="report"),
]
