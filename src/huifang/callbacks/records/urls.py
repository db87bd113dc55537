from django.urls import path

from huifang.callbacks.records import views

app_name = "records"

urlpatterns = [
    path("", views.RecordListView.as_view(), name="record_list"),
    path("agent-counts/", views.record_agent_counts, name="agent_counts"),
    path("<int:pk>/", views.record_detail, name="record_detail"),
    path("<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("<int:pk>/history/", views.record_history, name="record_history"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("tasks/<int:task_pk>/", views.task_records, name="task_records"),
    path("tasks/<int:task_pk>/new/", views.record_create, name="record_create"),
    path("tasks/<int:task_pk>/feedback/", views.task_feedback, name="task_feedback"),
    path(
        "tasks/<int:task_pk>/unreachable/",
        views.task_close_unreachable,
        name="task_close_unreachable",
    ),
    path("feedback/", views.FeedbackListView.as_view(), name="feedback_list"),
    path("feedback/<int:pk>/handle/", views.feedback_handle, name="feedback_handle"),
    path("reasons/", views.FailureReasonListView.as_view(), name="reason_list"),
    path("reasons/new/", views.reason_edit, name="reason_create"),
    path("reasons/<int:pk>/", views.reason_edit, name="reason_edit"),
]
