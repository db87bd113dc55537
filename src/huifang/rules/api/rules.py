"""``/api/v1/rules/``: the rule catalogue — list/detail, parameter versions, ``PATCH`` → a
new parameter version, enable/disable, new custom rules and their preview (预览命中数)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.core.api import ScopedViewSetMixin
from huifang.core.api_errors import Conflict
from huifang.rules import params as P
from huifang.rules import services
from huifang.rules.api import examples
from huifang.rules.api.common import ERRORS, ChangeOnPost, ScopeByAction
from huifang.rules.api.custom import (
    CUSTOM_RULE_BODY,
    PREVIEW_EXAMPLES,
    CustomRuleCreateSerializer,
    RulePreviewRequestSerializer,
    RulePreviewSerializer,
)
from huifang.rules.filtersets import RuleFilterSet
from huifang.rules.models import Rule, RuleKind, RuleVersion
from huifang.rules.preview import preview_custom_rule


class ParamShownSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="参数名")
    label = serializers.CharField(help_text="参数中文名")
    value = serializers.CharField(help_text="页面显示的取值")


def _shown(rule_type: str, params: dict) -> list[dict]:
    return [
        {"key": key, "label": label, "value": value}
        for key, label, value in P.display_params(rule_type, params)
    ]


@extend_schema_serializer(examples=examples.response("回访规则", examples.RULE))
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
    启用/停用、新建自定义规则及其命中预览。与规则页面同一筛选条件（q、kind、enabled），按规则编号排序。"""

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
            OpenApiExample("无业且年度亏损超过 5 万", request_only=True, value=CUSTOM_RULE_BODY)
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
        summary="预览自定义规则的命中客户（不保存）",
        description="与“新建自定义规则”页的“预览命中数”相同：按新建自定义规则的请求体（名称可省略）"
        "与回访基准日筛选，返回您权限范围内的命中客户数与按投资者代码的前几位及其命中依据；"
        "不保存规则，也不产生筛选记录。条件有误时返回 400（errors 按参数给出中文说明）。",
        request=RulePreviewRequestSerializer,
        responses={200: RulePreviewSerializer, **ERRORS},
        examples=PREVIEW_EXAMPLES,
    )
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def preview(self, request):
        body = RulePreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        preview = preview_custom_rule(
            data["params"],
            as_of=data.get("as_of") or timezone.localdate(),
            actor=request.user,
            sample=data["sample_size"],
        )
        return Response(RulePreviewSerializer(preview).data)

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
            OpenApiExample("修改后的规则", response_only=True, value=examples.RULE),
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
                value={
                    "number": 2,
                    "name": "老年交易者",
                    "params": {"min_age": 75},
                    "shown": [{"key": "min_age", "label": "年龄不低于（周岁）", "value": "75"}],
                    "note": "提高年龄",
                    "created_by": "hq_admin",
                    "created_at": "2026-12-04T10:00:00+08:00",
                    "current": True,
                },
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
        examples=[OpenApiExample("规则", response_only=True, value=examples.RULE)],
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPost], filter_backends=[])
    def enable(self, request, code=None):
        return self._set_enabled(True)

    @extend_schema(
        summary="停用规则",
        request=None,
        responses={200: RuleSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        examples=[OpenApiExample("规则", response_only=True, value=examples.RULE)],
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
