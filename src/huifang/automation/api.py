"""REST API of 回访计划: ``/api/v1/plans/`` (list, read, create, PATCH; ``run`` an
occurrence → 202 and the job) and ``/api/v1/plan-runs/`` (the runs; ``approve`` a 待审核
run → 202 and the job) — through ``automation.services`` and the pages' jobs, with the
same permissions (HQ admins maintain and run; the auditor reads)."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from huifang.automation import jobs, schedule, services
from huifang.automation.filtersets import PlanFilterSet, PlanRunFilterSet
from huifang.automation.models import CURRENT, Plan, PlanRun, PlanRunStatus, ReferenceKind
from huifang.callbacks.models import BusinessType
from huifang.core.api import JobAcceptedSerializer, ScopedViewSetMixin, accepted
from huifang.core.api_errors import Conflict
from huifang.core.jobs import start_job
from huifang.core.permissions import ModelPermissions, require
from huifang.org.models import User

RUN_DENIED = "您没有执行回访计划的权限"
APPROVE_DENIED = "您没有审核回访计划执行的权限"


class _Seen(ModelPermissions):
    """For the POST actions: seeing the model here; the action checks its own permission
    (执行: ``automation.add_planrun``; 审核通过: ``automation.change_planrun``)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class RuleEntrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="规则编号，如 A003")
    version = serializers.JSONField(
        default=CURRENT, help_text='"current"（执行时的最新参数）或版本号 N（固定该版本的参数）'
    )


PLAN_EXAMPLE = {
    "id": 1,
    "name": "年末回访计划",
    "rules": [{"code": "A003", "version": "current"}],
    "rules_text": "A003（当前版本）",
    "reference_kind": "year_end",
    "fixed_date": None,
    "run_time": "20:00",
    "schedule_text": "每年最后一个交易日 20:00",
    "business_type": "年度适当性回访",
    "mode": "approval",
    "auto_distribute": False,
    "enabled": True,
    "notify": [],
    "next_run": "2026-12-31T20:00:00+08:00",
    "created_at": "2026-01-05T10:00:00+08:00",
    "updated_at": "2026-01-05T10:02:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("年末回访计划", value=PLAN_EXAMPLE, response_only=True)]
)
class PlanSerializer(serializers.ModelSerializer):
    rules = RuleEntrySerializer(many=True, help_text="回访规则及其参数版本")
    business_type = serializers.SlugRelatedField(
        slug_field="name", queryset=BusinessType.objects.all(), help_text="回访业务类型名称"
    )
    run_time = serializers.TimeField(format="%H:%M", help_text="执行时间（北京时间，HH:MM）")
    notify = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        required=False,
        queryset=User.objects.none(),
        help_text="执行完成、失败或待审核时通知的人员（用户名）",
    )
    rules_text = serializers.CharField(read_only=True)
    schedule_text = serializers.CharField(read_only=True)
    next_run = serializers.SerializerMethodField(help_text="下次执行时间（北京时间；无则 null）")

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "rules",
            "rules_text",
            "reference_kind",
            "fixed_date",
            "run_time",
            "schedule_text",
            "business_type",
            "mode",
            "auto_distribute",
            "enabled",
            "notify",
            "next_run",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["notify"].child_relation.queryset = User.objects.restrict(
                request.user, "view"
            ).filter(is_active=True)

    def get_next_run(self, plan: Plan) -> datetime.datetime | None:
        day = schedule.next_occurrence(plan)
        return schedule.moment(plan, day) if day else None

    def validate(self, data):
        kind = data.get("reference_kind", getattr(self.instance, "reference_kind", None))
        fixed = data.get("fixed_date", getattr(self.instance, "fixed_date", None))
        if kind == ReferenceKind.FIXED and not fixed:
            raise serializers.ValidationError({"fixed_date": ["请填写固定日期"]})
        return data


PLAN_RUN_EXAMPLE = {
    "id": 4,
    "plan": 1,
    "plan_name": "年末回访计划",
    "occurrence": "2025-12-31",
    "status": "pending",
    "trigger": "schedule",
    "screening_run": 17,
    "batch": None,
    "distribution": "",
    "error": "",
    "started_at": "2025-12-31T20:00:00+08:00",
    "finished_at": "2025-12-31T20:03:00+08:00",
    "started_by": None,
    "approved_at": None,
    "approved_by": None,
    "outcome": "回访计划“年末回访计划”基准日 2025-12-31：筛选 #17 已完成，等待审核",
}


@extend_schema_serializer(
    examples=[OpenApiExample("待审核的执行", value=PLAN_RUN_EXAMPLE, response_only=True)]
)
class PlanRunSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    screening_run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    batch = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    started_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    outcome = serializers.SerializerMethodField(help_text="执行结果（中文）")

    class Meta:
        model = PlanRun
        fields = [
            "id",
            "plan",
            "plan_name",
            "occurrence",
            "status",
            "trigger",
            "screening_run",
            "batch",
            "distribution",
            "error",
            "started_at",
            "finished_at",
            "started_by",
            "approved_at",
            "approved_by",
            "outcome",
        ]

    def get_outcome(self, plan_run: PlanRun) -> str:
        if plan_run.status == PlanRunStatus.RUNNING:
            return "执行中"
        return services.outcome(plan_run)


class RunSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="回访基准日 D（YYYY-MM-DD）")


PLAN_EXAMPLE = {
    "name": "年度老年客户回访",
    "rules": [{"code": "A003", "version": "current"}],
    "reference_kind": "year_end",
    "run_time": "20:30",
    "business_type": "年度适当性回访",
    "mode": "approval",
    "auto_distribute": True,
    "enabled": True,
    "notify": ["hq_admin"],
}
ACCEPTED = OpenApiExample(
    "已开始",
    value={"job": 12, "status": "queued", "url": "https://huifang.example/api/v1/jobs/12/"},
    response_only=True,
    status_codes=["202"],
)


@extend_schema_view(
    list=extend_schema(summary="回访计划列表"),
    retrieve=extend_schema(summary="回访计划"),
    create=extend_schema(
        summary="新增回访计划",
        examples=[OpenApiExample("年度", value=PLAN_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="修改回访计划",
        examples=[OpenApiExample("停用", value={"enabled": False}, request_only=True)],
    ),
)
class PlanViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """回访计划（总部合规管理员维护，稽核只读）：筛选参数与计划列表页相同（name、
    reference_kind、mode、enabled）。reference_kind：trading_day 每个交易日 / month_end
    每月最后一个交易日 / year_end 每年最后一个交易日 / fixed 固定日期（需 fixed_date）；
    mode：auto 自动加入回访名单 / approval 审核后加入回访名单。"""

    queryset = Plan.objects.select_related("business_type").prefetch_related("notify")
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.do_save_plan(
            None, _plan_data(serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = services.do_save_plan(
            serializer.instance, _plan_data(serializer.validated_data), actor=self.request.user
        )

    @extend_schema(
        summary="执行回访计划（按回访基准日执行一次）",
        request=RunSerializer,
        responses={202: JobAcceptedSerializer},
        examples=[
            OpenApiExample("执行", value={"on": "2025-12-31"}, request_only=True),
            ACCEPTED,
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[_Seen], filterset_class=None)
    def run(self, request, pk=None):
        """按回访基准日执行一次：在后台筛选（自动计划：数据落地并加入回访名单），应答 202 与
        后台任务地址。该基准日已执行过（失败的除外）应答 409。"""
        require(request.user, "automation.add_planrun", message=RUN_DENIED)
        plan = self.get_object()
        body = RunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        on = body.validated_data["on"]
        existing = PlanRun.objects.filter(plan=plan, occurrence=on).first()
        if not services.may_run_again(existing):
            raise Conflict(services.taken_message(plan, on))
        services.check_reference_date(plan, on)  # a ValidationError: 400 in Chinese
        job = start_job(
            jobs.RUN,
            f"执行回访计划：{plan.name}（基准日 {on:%Y-%m-%d}）",
            jobs.RunPlanParams(plan=plan.pk, on=on),
            user=request.user,
        )
        return accepted(request, job)


def _plan_data(data: dict) -> dict:
    data = dict(data)
    if "rules" in data:
        data["rules"] = [dict(entry) for entry in data["rules"]]
    return data


@extend_schema_view(
    list=extend_schema(summary="回访计划执行记录"),
    retrieve=extend_schema(summary="回访计划的一次执行"),
)
class PlanRunViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """回访计划的执行记录，按回访基准日倒序：筛选 plan（计划编号）、status（running 执行中 /
    pending 待审核 / done 已完成 / failed 失败）、trigger、occurrence_after / occurrence_before。"""

    queryset = PlanRun.objects.select_related(
        "plan", "screening_run", "batch", "started_by", "approved_by"
    ).order_by("-occurrence", "-pk")
    serializer_class = PlanRunSerializer
    filterset_class = PlanRunFilterSet

    @extend_schema(
        summary="审核通过（数据落地并加入回访名单）",
        request=None,
        responses={202: JobAcceptedSerializer},
        examples=[ACCEPTED],
    )
    @action(detail=True, methods=["post"], permission_classes=[_Seen], filterset_class=None)
    def approve(self, request, pk=None):
        """审核通过待审核的执行：在后台数据落地并加入回访名单（计划要求时自动分配），应答 202
        与后台任务地址；不是待审核状态应答 409。"""
        require(request.user, "automation.change_planrun", message=APPROVE_DENIED)
        plan_run = self.get_object()
        if plan_run.status != PlanRunStatus.PENDING:
            raise Conflict(f"该次执行不是待审核状态（{plan_run.get_status_display()}），无需审核")
        job = start_job(
            jobs.APPROVE,
            f"审核通过回访计划：{plan_run}",
            jobs.ApproveParams(plan_run=plan_run.pk),
            user=request.user,
        )
        return accepted(request, job)


def register(router) -> None:
    router.register("plans", PlanViewSet, basename="plan")
    router.register("plan-runs", PlanRunViewSet, basename="plan-run")
