from django.urls import path

from huifang.surveys import invite_views, offline_views, result_views, views

app_name = "surveys"

urlpatterns = [
    path("", views.QuestionnaireListView.as_view(), name="questionnaire_list"),
    path("invite/", invite_views.invite, name="invite"),
    path("invite/task/<int:pk>/", invite_views.invite_task, name="invite_task"),
    path("new/", views.questionnaire_create, name="questionnaire_create"),
    path("import/", views.questionnaire_import, name="questionnaire_import"),
    path("<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("<int:pk>/draft/", views.draft_edit, name="draft_edit"),
    path("<int:pk>/draft/new/", views.new_draft, name="new_draft"),
    path("<int:pk>/draft/questions/new/", views.question_edit, name="question_add"),
    path("<int:pk>/draft/questions/<str:qid>/", views.question_edit, name="question_edit"),
    path(
        "<int:pk>/draft/questions/<str:qid>/<str:action>/",
        views.question_action,
        name="question_action",
    ),
    path("<int:pk>/draft/view/", views.version_detail, name="draft_detail"),
    path("<int:pk>/draft/preview/", views.preview, name="draft_preview"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/export/", views.export_json, name="export"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version_detail"),
    path("<int:pk>/versions/<int:number>/preview/", views.preview, name="version_preview"),
    path("<int:pk>/versions/<int:number>/export/", views.export_json, name="version_export"),
    path("results/", result_views.results_index, name="results"),
    path("results/<int:pk>/", result_views.result_detail, name="result_detail"),
    path("responses/<int:pk>/", result_views.response_detail, name="response_detail"),
    path("offline/<int:task_pk>/", offline_views.offline_entry, name="offline_entry"),
]
