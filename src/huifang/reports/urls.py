from django.urls import path

from huifang.reports import dashboard

app_name = "reports"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]
