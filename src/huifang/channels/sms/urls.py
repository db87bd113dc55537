from django.urls import path

from huifang.channels.sms import views

app_name = "sms"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="message_list"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("opt-outs/", views.OptOutListView.as_view(), name="optout_list"),
    path("opt-outs/new/", views.optout_add, name="optout_add"),
    path("opt-outs/<int:pk>/remove/", views.optout_remove, name="optout_remove"),
    path("send/task/<int:task_pk>/", views.send_task, name="send_task"),
    path("send/bulk/", views.send_bulk, name="send_bulk"),
]
