from django.urls import path

from huifang.channels.calls import views

app_name = "calls"

urlpatterns = [
    path("", views.CallListView.as_view(), name="call_list"),
    path("lists/", views.PushListView.as_view(), name="push_list"),
    path("push/", views.push, name="push"),
    path("push/<int:pk>/", views.push_detail, name="push_detail"),
    path("push/<int:pk>/file/", views.push_download, name="push_download"),
    path("import/", views.call_import, name="call_import"),
    path("mappings/", views.MappingListView.as_view(), name="mapping_list"),
    path("mappings/<int:pk>/", views.mapping_edit, name="mapping_edit"),
]
