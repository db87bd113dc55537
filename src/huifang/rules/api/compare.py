"""The answer of ``/api/v1/screening-runs/compare/`` (筛选对比): its query and its parts."""

from __future__ import annotations

from rest_framework import serializers

from huifang.rules.models import ScreeningRun
from huifang.rules.whatif import KINDS


class CompareQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="原筛选编号")
    new = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="新筛选编号（或对比试算的编号）"
    )
    kind = serializers.ChoiceField(
        choices=list(KINDS.items()),
        required=False,
        help_text="列出哪一类客户：added 新增、dropped 移除、changed 理由变化；默认第一类非空的",
    )
    page = serializers.IntegerField(min_value=1, required=False, default=1)


class CompareRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="preview 预览、frozen 已落地、whatif 对比试算")

    class Meta:
        model = ScreeningRun
        fields = ["id", "as_of", "status", "hit_count", "counts", "note"]


class CompareCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="新增（新筛选命中、原筛选未命中）")
    dropped = serializers.IntegerField(help_text="移除（原筛选命中、新筛选未命中）")
    changed = serializers.IntegerField(help_text="理由变化")


class ParamChangeRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ParamChangeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    note = serializers.CharField(help_text="版本变化，或仅一方使用该规则")
    rows = ParamChangeRowSerializer(many=True, help_text="取值不同的参数")


class CompareRowSerializer(serializers.Serializer):
    investor_code = serializers.CharField()
    name = serializers.CharField()
    branch_code = serializers.CharField()
    branch_name = serializers.CharField()
    old_reasons = serializers.CharField(help_text="原筛选命中的规则")
    new_reasons = serializers.CharField(help_text="新筛选命中的规则")
    why = serializers.CharField(help_text="新增命中/不再命中的规则")
    old_evidence = serializers.CharField(help_text="原筛选的命中依据")
    new_evidence = serializers.CharField(help_text="新筛选的命中依据")


class CompareSerializer(serializers.Serializer):
    old = CompareRunSerializer()
    new = CompareRunSerializer()
    counts = CompareCountsSerializer(help_text="您权限范围内各类客户数")
    changes = ParamChangeSerializer(many=True, help_text="各规则的参数版本与取值差异")
    kind = serializers.ChoiceField(choices=list(KINDS.items()))
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    rows = CompareRowSerializer(many=True, help_text="该类客户的本页（每页 50 位，按投资者代码）")
