from django.urls import path

from huifang.core import calendar_views, pages

app_name = "core"

urlpatterns = [
    path("audit/", pages.AuditListView.as_view(), name="audit_list"),
    path("jobs/", pages.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", pages.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", pages.job_progress, name="job_progress"),
    path("jobs/<int:pk>/download/", pages.job_download, name="job_download"),
    path("calendar/", calendar_views.calendar_index, name="calendar"),
    path("calendar/new/", calendar_views.calendar_year_create, name="calendar_year_create"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path(
        "calendar/<int:year>/holidays/add/",
        calendar_views.calendar_holiday_add,
        name="calendar_holiday_add",
    ),
    path(
        "calendar/<int:year>/holidays/<int:pk>/remove/",
        calendar_views.calendar_holiday_remove,
        name="calendar_holiday_remove",
    ),
    path(
        "calendar/<int:year>/complete/",
        calendar_views.calendar_year_complete,
        name="calendar_year_complete",
    ),
]
