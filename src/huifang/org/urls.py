from django.urls import path

from huifang.org import otp, views

app_name = "org"

urlpatterns = [
    path("branches/", views.BranchListView.as_view(), name="branch_list"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/logins/", views.login_history, name="login_history"),
    path("token/", views.api_token, name="api_token"),
    path("otp/", otp.setup_view, name="otp"),
    path("users/<int:pk>/otp-reset/", otp.reset_view, name="otp_reset"),
    path("lockouts/", views.lockouts, name="lockouts"),
]
