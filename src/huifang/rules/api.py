"""REST of steps 1 and 2 (the rules room): ``/api/v1/rules/``, ``/api/v1/screening-runs/``
and ``/api/v1/screening-hits/``.

Everything the rule and screening pages do, through the same services
(``huifang.rules.services``), the same jobs and the same FilterSets as the pages:

- rules: list/detail, parameter versions, ``PATCH`` → a new parameter version,
  enable/disable, new custom rules;
- screening runs: list/detail, ``POST`` → a screening job (202, as the page starts one),
  freeze (数据落地), export of the hits with their evidence (the page's file), what-if
  against the current parameters (a job, as the page's 与当前参数对比) and the comparison
  of two runs (筛选对比);
- hits: scoped to the caller's branches, each with its evidence (命中依据).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from huifang.core.api import JobAcceptedSerializer, ScopedViewSetMixin, accepted
from huifang.core.api_errors import Conflict
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import within_dates
from huifang.core.jobs import start_job
from huifang.core.permissions import ModelPermissions
from huifang.customers import choices
from huifang.org.models import Branch
from huifang.rules import engine, evidence, services
from huifang.rules import params as P
from huifang.rules.completeness import data_gap
from huifang.rules.filtersets import HitFilterSet, RuleFilterSet, RunFilterSet
from huifang.rules.jobs import SCREEN, ScreenParams
from huifang.rules.models import (
    Hit,
    HitReason,
    Rule,
    RuleKind,
    RuleVersion,
    RunRule,
    RunStatus,
    ScreeningRun,
)
from huifang.rules.whatif import KINDS, compare

ERRORS = {
    400: OpenApiResponse(description="提交的内容有误（errors 按字段给出中文说明），未做任何修改"),
    403: OpenApiResponse(description="没有执行此操作的权限"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


class ChangeOnPost(ModelPermissions):
    """An action posted to change an object (启用、停用、数据落地) needs the model's
    ``change`` permission, as its page does, not ``add``."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ScopeByAction:
    """``scope_actions`` maps a viewset action to the ``restrict`` action its objects are
    looked up with, where the HTTP method's default (POST → add) is not the page's."""

    scope_actions: dict[str, str] = {}

    def get_queryset(self):
        scope = self.scope_actions.get(self.action)
        if scope is None:
            return super().get_queryset()
        return self.queryset.all().restrict(self.request.user, scope)


# --- rules ------------------------------------------------------------------------------


class ParamShownSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="参数名")
    label = serializers.CharField(help_text="参数中文名")
    value = serializers.CharField(help_text="页面显示的取值")


def _shown(rule_type: str, params: dict) -> list[dict]:
    return [
        {"key": key, "label": label, "value": value}
        for key, label, value in P.display_params(rule_type, params)
    ]


class RuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        source="current_version.number", default=None, allow_null=True, help_text="当前参数版本号"
    )
    params = serializers.JSONField(read_only=True, help_text="当前参数（存储形式）")
    shown = serializers.SerializerMethodField(help_text="当前参数，按页面显示")
    meaning = serializers.SerializerMethodField(help_text="规则含义（代入当前参数）")
    updated_by = serializers.CharField(source="updated_by.username", default=None, allow_null=True)

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
            "shown",
            "meaning",
            "updated_by",
            "updated_at",
        ]

    @extend_schema_field(ParamShownSerializer(many=True))
    def get_shown(self, rule: Rule) -> list[dict]:
        return _shown(rule.rule_type, rule.params)

    def get_meaning(self, rule: Rule) -> str:
        return P.describe(rule.rule_type, rule.params)


class RuleVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    current = serializers.SerializerMethodField(help_text="是否为当前版本")
    shown = serializers.SerializerMethodField(help_text="该版本的参数，按页面显示")

    class Meta:
        model = RuleVersion
        fields = [
            "number",
            "name",
            "params",
            "shown",
            "note",
            "created_by",
            "created_at",
            "current",
        ]

    def get_current(self, version: RuleVersion) -> bool:
        return version.pk == version.rule.current_version_id

    @extend_schema_field(ParamShownSerializer(many=True))
    def get_shown(self, version: RuleVersion) -> list[dict]:
        return _shown(version.rule.rule_type, version.params)


class RuleUpdateSerializer(serializers.Serializer):
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text='要修改的参数（合并到当前参数上）：金额如 "80000"，比例如 "0.4" 或 "40%"，'
        "日期 YYYY-MM-DD，风险等级 1–5 或 R1–R5；自定义规则的条件见新建",
    )
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    name = serializers.CharField(max_length=100, required=False, help_text="仅自定义规则")
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="仅自定义规则"
    )
    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="客户端读取时的当前版本号；已不是当前版本时返回 409，不保存",
    )


class CustomRuleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="规则名称（不能与已有规则同名）")
    description = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )
    params = serializers.DictField(
        help_text="period_start、period_end（YYYY-MM-DD，可空）、customer_types、branches（部门代码）"
        '与 conditions：{"op": "and"|"or", "items": [条件或一层条件组]}，'
        '条件为 {"field", "cmp", "value"}，与页面“新建自定义规则”相同'
    )


RULE_EXAMPLE = {
    "code": "A002",
    "name": "大额亏损客户",
    "description": "",
    "kind": "builtin",
    "rule_type": "large_loss",
    "enabled": True,
    "version": 2,
    "params": {"min_loss_amount": "80000.00", "min_loss_ratio": "0.4"},
    "shown": [{"key": "min_loss_amount", "label": "亏损金额不低于（元）", "value": "80,000.00 元"}],
    "meaning": "统计期间亏损金额不低于 80,000.00 元……",
    "updated_by": "hq_admin",
    "updated_at": "2026-12-04T10:00:00+08:00",
}


@extend_schema_view(
    list=extend_schema(summary="回访规则列表"),
    retrieve=extend_schema(summary="回访规则详情"),
)
class RuleViewSet(
    ScopeByAction,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """回访规则：编号、名称、当前参数版本与规则含义；参数版本历史；修改参数（保存为新版本）、
    启用/停用、新建自定义规则。与规则页面同一筛选条件（q、kind、enabled），按规则编号排序。"""

    queryset = Rule.objects.select_related("current_version", "updated_by")
    serializer_class = RuleSerializer
    filterset_class = RuleFilterSet
    lookup_field = "code"
    scope_actions = {"enable": "change", "disable": "change"}

    @extend_schema(
        summary="新建自定义规则",
        request=CustomRuleCreateSerializer,
        responses={201: RuleSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "无业且年度亏损超过 5 万",
                request_only=True,
                value={
                    "name": "无业大额亏损",
                    "description": "",
                    "params": {
                        "customer_types": ["natural"],
                        "conditions": {
                            "op": "and",
                            "items": [
                                {"field": "occupation", "cmp": "eq", "value": "无业"},
                                {"field": "loss", "cmp": "ge", "value": "50000"},
                            ],
                        },
                    },
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = CustomRuleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        rule = services.do_create_custom_rule(
            name=data["name"],
            description=data["description"],
            params=data["params"],
            actor=request.user,
        )
        return Response(self._rule(rule), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改参数值（保存为新的参数版本）",
        request=RuleUpdateSerializer,
        responses={
            200: RuleSerializer,
            **ERRORS,
            409: OpenApiResponse(description="expected_version 已不是当前版本，未保存"),
        },
        examples=[
            OpenApiExample(
                "调整大额亏损的金额与比例",
                request_only=True,
                value={
                    "params": {"min_loss_amount": "80000", "min_loss_ratio": "40%"},
                    "note": "年度调整",
                    "expected_version": 1,
                },
            ),
            OpenApiExample("修改后的规则", response_only=True, value=RULE_EXAMPLE),
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        body = RuleUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        custom = rule.kind == RuleKind.CUSTOM
        if not custom and "description" in data:  # the page offers no such field either
            raise ValidationError({"description": ["内置规则的描述不能修改"]})
        with transaction.atomic():
            # Held until the new version is stored: the version checked is the one replaced.
            rule = Rule.objects.select_for_update().get(pk=rule.pk)
            expected = data.get("expected_version")
            current = rule.current_version.number if rule.current_version else None
            if expected is not None and expected != current:
                raise Conflict(
                    f"规则 {rule.code} 的当前参数版本已是 v{current}（不是 v{expected}），"
                    "请重新读取后再修改"
                )
            services.do_update_rule(
                rule,
                data["params"],
                name=data.get("name"),
                description=data.get("description") if custom else None,
                note=data["note"],
                actor=request.user,
            )
        return Response(self._rule(rule))

    @extend_schema(
        summary="参数版本历史（新版本在前）",
        responses={200: RuleVersionSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
        examples=[
            OpenApiExample(
                "两个版本",
                response_only=True,
                value=[
                    {
                        "number": 2,
                        "name": "老年交易者",
                        "params": {"min_age": 75},
                        "shown": [{"key": "min_age", "label": "年龄不低于（周岁）", "value": "75"}],
                        "note": "提高年龄",
                        "created_by": "hq_admin",
                        "created_at": "2026-12-04T10:00:00+08:00",
                        "current": True,
                    }
                ],
            )
        ],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, code=None):
        rule = self.get_object()
        versions = rule.versions.select_related("created_by", "rule").order_by("-number")
        return Response(RuleVersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="启用规则",
        request=None,
        responses={200: RuleSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        examples=[OpenApiExample("规则", response_only=True, value=RULE_EXAMPLE)],
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPost], filter_backends=[])
    def enable(self, request, code=None):
        return self._set_enabled(True)

    @extend_schema(
        summary="停用规则",
        request=None,
        responses={200: RuleSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        examples=[OpenApiExample("规则", response_only=True, value=RULE_EXAMPLE)],
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPost], filter_backends=[])
    def disable(self, request, code=None):
        return self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> Response:
        rule = services.do_set_rule_enabled(self.get_object(), enabled, actor=self.request.user)
        return Response(self._rule(rule))

    def _rule(self, rule: Rule) -> dict:
        fresh = Rule.objects.select_related("current_version", "updated_by").get(pk=rule.pk)
        return RuleSerializer(fresh, context=self.get_serializer_context()).data


# --- screening runs ---------------------------------------------------------------------


class RunRuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", help_text="所用参数版本号")
    params = serializers.JSONField(help_text="生效参数（含本次临时参数）")

    class Meta:
        model = RunRule
        fields = ["code", "name", "version", "params", "hit_count"]


class RunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    frozen_by = serializers.CharField(source="frozen_by.username", default=None, allow_null=True)
    rules = RunRuleSerializer(source="run_rules", many=True, read_only=True)
    data_warning = serializers.SerializerMethodField(
        help_text="未落地的筛选：基准日晚于今天或最新日报日期时的提示（落地须 allow_incomplete）"
    )

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "as_of",
            "status",
            "status_label",
            "customer_types",
            "branch_codes",
            "exclude_dormant",
            "overrides",
            "counts",
            "hit_count",
            "note",
            "created_by",
            "created_at",
            "frozen_by",
            "frozen_at",
            "data_through",
            "incomplete_confirmed",
            "rules",
            "data_warning",
        ]

    def get_data_warning(self, run: ScreeningRun) -> str | None:
        if run.is_frozen:  # what was confirmed at freezing is on the run
            return None
        gap = data_gap(run.as_of)
        return gap.message if gap is not None else None


class ScreeningRequestSerializer(serializers.Serializer):
    """使用参数生成数据: the screening page's form as JSON."""

    as_of = serializers.DateField(validators=[within_dates], help_text="回访基准日")
    rules = serializers.ListField(
        child=serializers.CharField(max_length=8),
        required=False,
        default=list,
        help_text="规则编号；不给表示全部启用的规则",
    )
    overrides = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        default=dict,
        help_text="仅本次生效的临时参数：{规则编号: {参数: 值}}；不会修改规则的参数版本",
    )
    customer_types = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        default=list,
        help_text="客户类型：" + "、".join(f"{k} {v}" for k, v in choices.CustomerType.choices),
    )
    branch_codes = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        help_text="部门代码（含下级），须在您的权限范围内",
    )
    exclude_dormant = serializers.BooleanField(required=False, default=False)

    def validate_rules(self, codes: list[str]) -> list[str]:
        codes = [c.strip().upper() for c in codes if c.strip()]
        enabled = set(Rule.objects.filter(enabled=True).values_list("code", flat=True))
        bad = [c for c in codes if c not in enabled]
        if bad:
            raise ValidationError(f"没有这些启用的规则：{'、'.join(bad)}")
        return codes

    def validate_customer_types(self, types: list[str]) -> list[str]:
        bad = [t for t in types if t not in choices.CustomerType.values]
        if bad:
            raise ValidationError(f"未知客户类型：{'、'.join(bad)}")
        return types

    def validate_overrides(self, overrides: dict) -> dict:
        return {code.strip().upper(): values for code, values in overrides.items()}

    def validate_branch_codes(self, codes: list[str]) -> list[str]:
        user = self.context["request"].user
        visible = Branch.objects.restrict(user, "view").filter(code__in=codes)
        known = set(visible.values_list("code", flat=True))
        bad = [c for c in codes if c not in known]
        if bad:
            raise ValidationError(f"未知部门或不在您的权限范围内：{'、'.join(bad)}")
        return codes


class FreezeRequestSerializer(serializers.Serializer):
    allow_incomplete = serializers.BooleanField(
        required=False,
        default=False,
        help_text="基准日晚于今天或最新日报日期时，确认仍按不完整的数据落地（记入筛选与审计）",
    )


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


HIT_FILTERS = [
    OpenApiParameter("q", str, description="投资者代码（前缀）或名称"),
    OpenApiParameter("rule", str, description="命中规则编号"),
    OpenApiParameter(
        "customer_type", str, enum=choices.CustomerType.values, description="客户类型"
    ),
    OpenApiParameter("branch", int, description="部门编号（含下级）"),
]

JOB_EXAMPLE = OpenApiExample(
    "已开始的后台任务",
    response_only=True,
    status_codes=["202"],
    value={"job": 42, "status": "queued", "url": "https://huifang.example/api/v1/jobs/42/"},
)


@extend_schema_view(
    list=extend_schema(summary="筛选记录列表"),
    retrieve=extend_schema(summary="筛选详情"),
)
class RunViewSet(
    ScopeByAction,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """筛选记录：与“筛选记录”页相同的筛选条件（status、as_of），新筛选在前（筛选时间倒序）。
    POST 开始筛选（后台任务，202）；freeze/ 数据落地；export/ 导出命中客户与依据；
    what-if/ 按当前参数试算对比（后台任务）；compare/ 两次筛选对比。对比试算不在列表中。"""

    queryset = (
        ScreeningRun.objects.exclude(status=RunStatus.WHATIF)
        .select_related("created_by", "frozen_by")
        .prefetch_related("run_rules__version")
    )
    serializer_class = RunSerializer
    filterset_class = RunFilterSet
    scope_actions = {"freeze": "change", "what_if": "view"}

    @extend_schema(
        summary="使用参数生成数据（开始筛选）",
        description="与“回访任务数据”页相同：校验规则与临时参数后在后台筛选，返回 202 与后台任务地址；"
        "任务结束后其 result.run 为筛选编号（状态为预览，数据落地见 freeze/）。",
        request=ScreeningRequestSerializer,
        responses={202: JobAcceptedSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[
            OpenApiExample(
                "年度回访筛选，临时调整 A002 的亏损金额",
                request_only=True,
                value={
                    "as_of": "2026-12-31",
                    "rules": ["A001", "A002", "A003"],
                    "overrides": {"A002": {"min_loss_amount": "50000"}},
                    "customer_types": ["natural"],
                    "branch_codes": ["0101"],
                    "exclude_dormant": True,
                },
            ),
            JOB_EXAMPLE,
        ],
    )
    def create(self, request, *args, **kwargs):
        body = ScreeningRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # As the page: rules and overrides checked now, so a mistake is a 400, not a
        # failed job (overrides are cleaned by the rule type's parameter validator).
        engine.resolve_rules(data["rules"] or None, data["overrides"])
        job = start_job(
            SCREEN,
            f"筛选 {data['as_of']:%Y-%m-%d}",
            ScreenParams(
                as_of=data["as_of"],
                rules=data["rules"],
                overrides=data["overrides"],
                branches=data["branch_codes"],
                customer_types=data["customer_types"],
                exclude_dormant=data["exclude_dormant"],
            ),
            user=request.user,
        )
        return accepted(request, job)

    @extend_schema(
        summary="数据落地",
        description="将预览筛选永久保存、不可再修改。基准日晚于今天或最新日报日期时须 "
        "allow_incomplete=true 确认（否则 400）；已落地的筛选返回 409。",
        request=FreezeRequestSerializer,
        responses={
            200: RunSerializer,
            **ERRORS,
            409: OpenApiResponse(description="该筛选已数据落地"),
        },
        examples=[
            OpenApiExample(
                "确认按不完整数据落地", request_only=True, value={"allow_incomplete": True}
            )
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPost], filter_backends=[])
    def freeze(self, request, pk=None):
        run = self.get_object()
        body = FreezeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            # Held until frozen: two callers cannot both be told they froze it.
            run = ScreeningRun.objects.select_for_update().get(pk=run.pk)
            if run.is_frozen:
                raise Conflict(f"筛选 #{run.pk} 已数据落地，不能重复落地")
            services.do_freeze_run(
                run, allow_incomplete=body.validated_data["allow_incomplete"], actor=request.user
            )
        return Response(RunSerializer(self.get_queryset().get(pk=run.pk)).data)

    @extend_schema(
        summary="导出命中客户与命中依据",
        description="与筛选详情页的导出相同的文件：宣传册的列加每条规则的依据，仅您权限范围内的客户；"
        "可用与 screening-hits 相同的筛选条件。",
        parameters=[
            OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="文件格式"),
            *HIT_FILTERS,
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def export(self, request, pk=None):
        run = self.get_object()
        if not request.user.has_perm("rules.view_hit"):
            raise PermissionDenied("您没有查看筛选结果的权限")
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({"file_format": ["文件格式须为 xlsx 或 csv"]})
        hits = Hit.objects.filter(run=run).select_related("branch", "run")
        filterset = HitFilterSet(
            request.query_params, queryset=hits.restrict(request.user, "view"), request=request
        )
        exporter = Exporter(
            lambda rows: evidence.run_rows(run, rows),
            filterset,
            name=f"screening_{run.pk}",
            title=str(run),
            sheet="筛选结果",
            subject=run,
            filters=request.query_params.urlencode(),
            actor=request.user,
        )
        try:
            return exporter.response(fmt)
        except ExportError:
            raise ValidationError(filterset.errors) from None

    @extend_schema(
        summary="与当前参数对比（试算）",
        description="与“筛选对比”页的“与当前参数对比”相同：按该筛选的基准日、条件与规则，用规则的"
        "当前参数版本在后台试算（不是新的筛选记录），返回 202；任务结束后 result.run 为试算编号，"
        "用 compare/?old={id}&new={试算编号} 查看对比。",
        request=None,
        responses={202: JobAcceptedSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        examples=[JOB_EXAMPLE],
    )
    @action(detail=True, methods=["post"], url_path="what-if", filter_backends=[])
    def what_if(self, request, pk=None):
        base = self.get_object()
        job = start_job(
            SCREEN,
            f"当前参数与筛选 #{base.pk} 对比",
            ScreenParams(compare_with=base.pk),
            user=request.user,
        )
        return accepted(request, job)

    @extend_schema(
        summary="筛选对比",
        description="两次筛选（或一次筛选与其按当前参数的试算）对比：新增、移除、理由变化的客户数"
        "（您权限范围内）、各规则参数差异，以及一类客户的一页与其命中依据。",
        parameters=[CompareQuerySerializer],
        responses={200: CompareSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
        examples=[
            OpenApiExample(
                "提高 A003 年龄后的试算",
                response_only=True,
                value={
                    "old": {
                        "id": 7,
                        "as_of": "2025-12-31",
                        "status": "frozen",
                        "hit_count": 2,
                        "counts": {"A003": 1},
                        "note": "",
                    },
                    "new": {
                        "id": 9,
                        "as_of": "2025-12-31",
                        "status": "whatif",
                        "hit_count": 1,
                        "counts": {"A003": 0},
                        "note": "与筛选 #7 对比（当前参数）",
                    },
                    "counts": {"added": 0, "dropped": 0, "changed": 1},
                    "changes": [
                        {
                            "code": "A003",
                            "name": "老年交易者",
                            "note": "版本 v1 → v2",
                            "rows": [{"label": "年龄不低于（周岁）", "old": "70", "new": "80"}],
                        }
                    ],
                    "kind": "changed",
                    "page": 1,
                    "num_pages": 1,
                    "rows": [
                        {
                            "investor_code": "00000001",
                            "name": "北京客户",
                            "branch_code": "010101",
                            "branch_name": "期货北京营业部",
                            "old_reasons": "老年交易者；职业为“无业”的客户",
                            "new_reasons": "职业为“无业”的客户",
                            "why": "不再命中：A003 老年交易者",
                            "old_evidence": "A003：出生日期 1950-01-01，年龄 75 周岁",
                            "new_evidence": "A005：职业 无业",
                        }
                    ],
                },
            )
        ],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def compare(self, request):
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        runs = ScreeningRun.objects.restrict(request.user, "view")
        old = get_object_or_404(runs, pk=q["old"])
        new = get_object_or_404(runs, pk=q["new"])
        result = compare(old, new, request.user, kind=q.get("kind", ""), page=q["page"])
        page = result["page_obj"]
        body = {
            "old": CompareRunSerializer(old).data,
            "new": CompareRunSerializer(new).data,
            "counts": result["counts"],
            "changes": [
                {
                    "code": c["code"],
                    "name": c["name"],
                    "note": c["note"],
                    "rows": [{"label": a, "old": b, "new": n} for a, b, n in c["rows"]],
                }
                for c in result["changes"]
            ],
            "kind": result["kind"],
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "rows": [
                {
                    "investor_code": row["hit"].investor_code,
                    "name": row["hit"].name,
                    "branch_code": row["hit"].branch.code,
                    "branch_name": row["hit"].branch.name,
                    **{k: row[k] for k in ("old_reasons", "new_reasons", "why")},
                    **{k: row[k] for k in ("old_evidence", "new_evidence")},
                }
                for row in result["rows"]
            ],
        }
        return Response(CompareSerializer(body).data)


# --- hits -------------------------------------------------------------------------------


class EvidenceValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(help_text="依据名称，如 亏损金额、基数、年龄")
    value = serializers.CharField(allow_null=True, help_text="取值（金额为元，日期为 YYYY-MM-DD）")


class HitEvidenceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="规则编号")
    name = serializers.CharField(help_text="规则名称")
    summary = serializers.CharField(help_text="依据的一句话说明")
    values = EvidenceValueSerializer(many=True)


def _plain(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


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
            shown = evidence.values(rule_type, ev, as_of)
            by_customer[reason.customer_id].evidence_items.append(
                {
                    "code": reason.rule_code,
                    "name": name,
                    "summary": evidence.summary(rule_type, ev, as_of),
                    "values": [
                        {"key": key, "label": label, "value": _plain(shown.get(key))}
                        for key, label in evidence.columns(rule_type)
                    ],
                }
            )


class HitListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        hits = list(data.all() if hasattr(data, "all") else data)
        attach_evidence(hits)
        return super().to_representation(hits)


class HitSerializer(serializers.ModelSerializer):
    branch_code = serializers.CharField(source="branch.code")
    branch_name = serializers.CharField(source="branch.name")
    codes = serializers.ListField(child=serializers.CharField(), read_only=True)
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


class HitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """筛选结果（只读）：仅返回当前用户部门范围内的客户，每位客户带命中依据；用 ?run= 指定筛选，
    其余筛选条件与筛选详情页相同（q、rule、customer_type、branch）。按筛选、投资者代码排序。"""

    queryset = Hit.objects.select_related("branch", "run").order_by("run", "investor_code")
    serializer_class = HitSerializer
    filterset_class = HitFilterSet


def register(router) -> None:
    router.register("rules", RuleViewSet, basename="rule")
    router.register("screening-runs", RunViewSet, basename="screening-run")
    router.register("screening-hits", HitViewSet, basename="screening-hit")
