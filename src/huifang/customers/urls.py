from django.urls import path

from huifang.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("<str:investor_code>/", views.CustomerDetailView.as_view(), name="customer_detail"),
]
