"""``/api/v1/``: each listed module's ``register(router)`` adds its viewsets."""

from importlib import import_module

from django.urls import include, path
from rest_framework.routers import DefaultRouter

API_MODULES = [
    "huifang.core.job_api",
    "huifang.org.api",
    "huifang.customers.api",
    "huifang.customers.import_api",
    "huifang.rules.api",
    "huifang.callbacks.api",
    "huifang.callbacks.records.api",
    "huifang.surveys.user_api",
    "huifang.channels.user_api",
    "huifang.reports.api",
    "huifang.automation.api",
    "huifang.core.audit_api",
]

router = DefaultRouter()
for name in API_MODULES:
    try:
        module = import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        continue
    module.register(router)

urlpatterns = [
    *router.urls,
    # Signed partner endpoints (interfaces.md "App hall").
    path("apphall/", include("huifang.surveys.api")),
]
