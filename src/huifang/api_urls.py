"""``/api/v1/``: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from huifang.org.api import BranchViewSet

router = DefaultRouter()
router.register("branches", BranchViewSet, basename="branch")

urlpatterns = router.urls
