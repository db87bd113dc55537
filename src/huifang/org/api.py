from rest_framework import serializers

from huifang.core.api import ScopedReadOnlyViewSet
from huifang.org.models import Branch


class BranchSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = Branch
        fields = ["code", "name", "parent_code", "depth", "is_active"]


class BranchViewSet(ScopedReadOnlyViewSet):
    """部门树（只读）：仅返回当前用户范围内的部门。"""

    queryset = Branch.objects.select_related("parent").order_by("path")
    serializer_class = BranchSerializer
    lookup_field = "code"
    filterset_fields = ["is_active"]


def register(router) -> None:
    router.register("branches", BranchViewSet, basename="branch")
