"""``/api/v1/``: each app's ``api.register(router)`` adds its viewsets."""

from importlib import import_module

from rest_framework.routers import DefaultRouter

APPS_WITH_API = ["huifang.org", "huifang.customers", "huifang.rules"]

router = DefaultRouter()
for app in APPS_WITH_API:
    try:
        module = import_module(f"{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api":
            raise
        continue
    module.register(router)

urlpatterns = router.urls
