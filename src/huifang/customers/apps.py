from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "huifang.customers"
    label = "customers"
    verbose_name = "客户"
