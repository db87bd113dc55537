"""REST: the rule catalogue, screening runs and their hits (read-only, scoped)."""

from __future__ import annotations

from rest_framework import serializers

from huifang.core.api import ScopedReadOnlyViewSet
from huifang.rules.filtersets import HitFilterSet
from huifang.rules.models import Hit, Rule, RunStatus, ScreeningRun


class RuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", default=None)
    params = serializers.JSONField(read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", default=None)

    class Meta:
        model = Rule
        fields = [
            "code",
            "name",
            "description",
            "kind",
            "rule_type",
            "enabled",
            "version",
            "params",
            "updated_by",
            "updated_at",
        ]


class RuleViewSet(ScopedReadOnlyViewSet):
    """回访规则（只读）：编号、名称、当前参数版本。"""

    queryset = Rule.objects.select_related("current_version", "updated_by")
    serializer_class = RuleSerializer
    lookup_field = "code"


class RunSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "as_of",
            "status",
            "customer_types",
            "branch_codes",
            "exclude_dormant",
            "overrides",
            "counts",
            "hit_count",
            "created_at",
            "frozen_at",
            "data_through",
            "incomplete_confirmed",
            "rules",
        ]

    def get_rules(self, run) -> list[dict]:
        return [
            {"code": r.code, "name": r.name, "version": r.version.number, "params": r.params}
            for r in run.run_rules.select_related("version")
        ]


class RunViewSet(ScopedReadOnlyViewSet):
    """筛选记录（只读）。"""

    queryset = ScreeningRun.objects.exclude(status=RunStatus.WHATIF)
    serializer_class = RunSerializer
    filterset_fields = ["status", "as_of"]


class HitSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="branch.code")
    codes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Hit
        fields = [
            "run",
            "investor_code",
            "name",
            "branch_code",
            "customer_type",
            "open_date",
            "birth_date",
            "year_volume",
            "year_loss",
            "reasons",
            "codes",
        ]


class HitViewSet(ScopedReadOnlyViewSet):
    """筛选结果（只读）：仅返回当前用户部门范围内的客户；用 ?run= 指定筛选。"""

    queryset = Hit.objects.select_related("branch").order_by("run", "investor_code")
    serializer_class = HitSerializer
    filterset_class = HitFilterSet


def register(router) -> None:
    router.register("rules", RuleViewSet, basename="rule")
    router.register("screening-runs", RunViewSet, basename="screening-run")
    router.register("screening-hits", HitViewSet, basename="screening-hit")
