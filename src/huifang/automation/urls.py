from django.urls import path

from huifang.automation import intake_views, notification_views, views

app_name = "automation"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.plan_edit, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/run/", views.plan_run, name="plan_run"),
    path("runs/<int:pk>/approve/", views.plan_run_approve, name="plan_run_approve"),
    path("intake/", intake_views.IntakeListView.as_view(), name="intake"),
    path("intake/folders/", intake_views.intake_folder_list, name="intake_folders"),
    path(
        "intake/folders/<slug:dataset>/edit/",
        intake_views.intake_folder_edit,
        name="intake_folder_edit",
    ),
    path(
        "intake/folders/<slug:dataset>/reset/",
        intake_views.intake_folder_reset,
        name="intake_folder_reset",
    ),
    path("messages/", notification_views.NotificationListView.as_view(), name="notification_list"),
    path("messages/<int:pk>/", notification_views.notification_open, name="notification_open"),
    path("messages/read/", notification_views.notification_mark_read, name="notification_read"),
]
