"""``/api/v1/screening-hits/``: a run's hits in the caller's branches, each with its
evidence (命中依据)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers, viewsets

from huifang.core.api import KeysetPagination, ScopedViewSetMixin
from huifang.rules import evidence
from huifang.rules.api import examples
from huifang.rules.filtersets import HitFilterSet
from huifang.rules.models import Hit, HitReason, RunRule


class EvidenceValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="依据名称，如 亏损金额、基数、年龄")
    value = serializers.CharField(allow_null=True, help_text="取值（金额为元，日期为 YYYY-MM-DD）")


class HitEvidenceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="规则编号")
    name = serializers.CharField(help_text="规则名称")
    summary = serializers.CharField(help_text="依据的一句话说明")
    values = EvidenceValueSerializer(many=True)


def attach_evidence(hits: list[Hit]) -> None:
    """Each hit's evidence (the page's 命中依据), as ``hit.evidence_items``: one query for
    the reasons of the hits of each run, one for the runs' rules."""
    by_run: dict[int, list[Hit]] = {}
    for hit in hits:
        hit.evidence_items = []
        by_run.setdefault(hit.run_id, []).append(hit)
    rules = {}
    for run_id, code, rule_type, name in RunRule.objects.filter(run_id__in=by_run).values_list(
        "run_id", "code", "rule_type", "name"
    ):
        rules[run_id, code] = (rule_type, name)
    for run_id, run_hits in by_run.items():
        by_customer = {h.customer_id: h for h in run_hits}
        as_of = run_hits[0].run.as_of
        reasons = HitReason.objects.filter(run_id=run_id, customer_id__in=by_customer)
        for reason in reasons.order_by("customer_id", "rule_code"):
            rule_type, name = rules.get((run_id, reason.rule_code), ("custom", ""))
            ev = evidence.reason_dict(reason)
            by_customer[reason.customer_id].evidence_items.append(
                {"code": reason.rule_code, "name": name, **evidence.as_text(rule_type, ev, as_of)}
            )


class HitListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        hits = list(data.all() if hasattr(data, "all") else data)
        attach_evidence(hits)
        return super().to_representation(hits)


@extend_schema_serializer(examples=examples.response("命中客户与命中依据", examples.HIT))
class HitSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="branch.code")
    branch_name = serializers.CharField(source="branch.name")
    codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    # Money as a decimal string, as everywhere in the API (the model field keeps fen).
    year_loss = serializers.DecimalField(
        max_digits=18, decimal_places=2, read_only=True, help_text="本年度亏损金额（元）"
    )
    evidence = serializers.SerializerMethodField(help_text="命中依据：每条命中规则的依据")

    class Meta:
        model = Hit
        list_serializer_class = HitListSerializer
        fields = [
            "id",
            "run",
            "investor_code",
            "name",
            "branch_code",
            "branch_name",
            "customer_type",
            "open_date",
            "birth_date",
            "year_volume",
            "year_loss",
            "reasons",
            "codes",
            "evidence",
        ]

    @extend_schema_field(HitEvidenceSerializer(many=True))
    def get_evidence(self, hit: Hit) -> list[dict]:
        if not hasattr(hit, "evidence_items"):
            attach_evidence([hit])
        return hit.evidence_items


class HitCursorPagination(KeysetPagination):
    """Keyset pages (a run over a million customers has hundreds of thousands of hits): by
    investor code, as the run's page lists them; a customer's hits in several runs (no
    ``?run=``) by run."""

    ordering = ("investor_code", "run")


class HitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """筛选结果（只读）：仅返回当前用户部门范围内的客户，每位客户带命中依据；用 ?run= 指定筛选
    （与筛选详情页的顺序相同），其余筛选条件与筛选详情页相同（q、rule、customer_type、branch）。"""

    queryset = Hit.objects.select_related("branch", "run").order_by("run", "investor_code")
    pagination_class = HitCursorPagination
    serializer_class = HitSerializer
    filterset_class = HitFilterSet
