"""``/api/v1/``: each listed module's ``register(router)`` adds its viewsets."""

from importlib import import_module

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

# The signed partner endpoints (app hall, call platform, SMS receipts) are in
# ``huifang.urls``, ahead of the pages.
urlpatterns = router.urls
