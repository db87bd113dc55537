from django.urls import path

from huifang.callbacks import distribution_views, views

app_name = "callbacks"

urlpatterns = [
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/bulk/", views.task_bulk, name="task_bulk"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/numbers/", views.task_numbers, name="task_numbers"),
    path(
        "tasks/distribution/",
        distribution_views.distribution_settings,
        name="distribution",
    ),
    path("batches/", views.BatchListView.as_view(), name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("business-types/", views.BusinessTypeListView.as_view(), name="businesstype_list"),
    path("business-types/new/", views.businesstype_edit, name="businesstype_create"),
    path("business-types/<int:pk>/", views.businesstype_edit, name="businesstype_edit"),
]
