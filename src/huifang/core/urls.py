from django.urls import path

from huifang.core import pages

app_name = "core"

urlpatterns = [
    path("audit/", pages.AuditListView.as_view(), name="audit_list"),
    path("jobs/", pages.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", pages.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", pages.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", pages.job_download, name="job_download"),
]
