"""``/api/v1/screening-runs/``: list/detail, ``POST`` → a screening job (202, as the page
starts one), freeze (数据落地), export of the hits with their evidence (the page's file),
what-if against the current parameters (a job) and the comparison of two runs (筛选对比)."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from huifang.core.api import FILE_RESPONSES, JobAcceptedSerializer, ScopedViewSetMixin, accepted
from huifang.core.api_errors import Conflict
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import within_dates
from huifang.core.jobs import start_job
from huifang.customers import choices
from huifang.org.models import Branch
from huifang.rules import engine, evidence, services
from huifang.rules.api import examples
from huifang.rules.api.common import ERRORS, JOB_EXAMPLE, ChangeOnPost, ScopeByAction
from huifang.rules.api.compare import (
    CompareQuerySerializer,
    CompareRunSerializer,
    CompareSerializer,
)
from huifang.rules.completeness import data_gap
from huifang.rules.filtersets import HitFilterSet, RunFilterSet
from huifang.rules.jobs import SCREEN, ScreenParams
from huifang.rules.models import (
    Hit,
    Rule,
    RunRule,
    RunStatus,
    ScreeningRun,
)
from huifang.rules.whatif import compare


class RunRuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", help_text="所用参数版本号")
    params = serializers.JSONField(help_text="生效参数（含本次临时参数）")

    class Meta:
        model = RunRule
        fields = ["code", "name", "version", "params", "hit_count"]


@extend_schema_serializer(examples=examples.response("筛选记录", examples.RUN))
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


HIT_FILTERS = [
    OpenApiParameter("q", str, description="投资者代码（前缀）或名称"),
    OpenApiParameter("rule", str, description="命中规则编号"),
    OpenApiParameter(
        "customer_type", str, enum=choices.CustomerType.values, description="客户类型"
    ),
    OpenApiParameter("branch", int, description="部门编号（含下级）"),
]


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
            **FILE_RESPONSES,
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
