app_name = "customers"

urlpatterns: list = []
