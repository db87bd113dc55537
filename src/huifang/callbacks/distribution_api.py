"""REST API of 分配设置: ``/api/v1/distribution-settings/`` (each branch's 分配方式; PATCH
changes it) and ``/api/v1/agent-absences/`` (离岗登记: list, create, DELETE ends it), through
``callbacks.distribution`` — the same checks as the page (HQ admins and branch managers,
in their scope)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from huifang.callbacks import distribution
from huifang.callbacks.choices import DistributionMode
from huifang.callbacks.filtersets import AbsenceFilterSet
from huifang.callbacks.models import AgentAbsence, BranchDistribution
from huifang.callbacks.services import MANAGE_TASKS
from huifang.core.api import ScopedViewSetMixin
from huifang.core.permissions import ModelPermissions, require
from huifang.org.filtersets import BranchFilterSet
from huifang.org.models import Branch, Role, User


class ServiceChecked(ModelPermissions):
    """Writes need only to see the model here: the services refuse in Chinese whoever may
    not manage tasks (``callbacks.manage_callbacktask``) or names an object out of scope."""

    perms_map = {
        **ModelPermissions.perms_map,
        **{m: ["%(app_label)s.view_%(model_name)s"] for m in ("POST", "PATCH", "DELETE")},
    }


def _require_manage(request) -> None:
    """The services' own refusal, made before the body is read (a 403, not a 400)."""
    require(request.user, MANAGE_TASKS, message=distribution.DENIED)


# ---------------------------------------------------------------- 分配方式


DISTRIBUTION_SETTING_EXAMPLE = {
    "branch": "010101",
    "name": "期货北京营业部",
    "mode": "least_loaded",
    "mode_label": "负载最少优先",
}


@extend_schema_serializer(
    examples=[OpenApiExample("分配方式", value=DISTRIBUTION_SETTING_EXAMPLE, response_only=True)]
)
class DistributionSettingSerializer(serializers.ModelSerializer):
    branch = serializers.CharField(source="code", read_only=True, help_text="部门代码")
    name = serializers.CharField(read_only=True, help_text="部门名称")
    mode = serializers.ChoiceField(
        choices=DistributionMode.choices,
        help_text="分配方式：least_loaded 负载最少优先（默认）/ round_robin 轮流分配",
    )
    mode_label = serializers.SerializerMethodField(help_text="分配方式（中文）")

    class Meta:
        model = Branch
        fields = ["branch", "name", "mode", "mode_label"]

    def get_mode_label(self, obj) -> str:
        return DistributionMode(obj.mode).label


class DistributionSettingViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """各部门的分配方式（分配设置），按部门树排列；PATCH 修改（营业部负责人、总部合规管理员）。

    平均分配和回访计划的自动分配按该方式把任务分给今天在岗的回访专员。筛选参数与部门
    列表相同：q（代码前缀或名称包含）, is_active。"""

    queryset = Branch.objects.annotate(
        mode=Coalesce(
            Subquery(BranchDistribution.objects.filter(branch=OuterRef("pk")).values("mode")[:1]),
            Value(DistributionMode.LEAST_LOADED.value),
        )
    ).order_by("path")
    serializer_class = DistributionSettingSerializer
    filterset_class = BranchFilterSet
    lookup_field = "code"
    lookup_url_kwarg = "branch"
    permission_classes = [ServiceChecked]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        # Reading a branch's setting is seeing the branch (writes: the service's check).
        base = self.queryset.all()
        return base.restrict(self.request.user, "view")

    @extend_schema(
        summary="修改部门的分配方式",
        request=DistributionSettingSerializer,
        examples=[OpenApiExample("轮流分配", value={"mode": "round_robin"}, request_only=True)],
    )
    def partial_update(self, request, *args, **kwargs):
        _require_manage(request)
        branch = self.get_object()
        body = DistributionSettingSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        mode = body.validated_data.get("mode")
        if mode is None:
            raise serializers.ValidationError({"mode": ["请选择分配方式"]})
        distribution.do_set_mode(branch, mode, actor=request.user)
        return Response(DistributionSettingSerializer(self.get_object()).data)


# ---------------------------------------------------------------- 离岗登记


ABSENCE_EXAMPLE = {
    "id": 7,
    "agent": "010101_agent1",
    "agent_name": "李回访",
    "starts_on": "2026-01-07",
    "ends_on": "2026-01-09",
    "reason": "培训",
    "created_at": "2026-01-05T10:00:00+08:00",
    "created_by": "010101_manager",
}


@extend_schema_serializer(
    examples=[OpenApiExample("请假", value=ABSENCE_EXAMPLE, response_only=True)]
)
class AbsenceSerializer(serializers.ModelSerializer):
    agent = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.none(),
        help_text="回访专员的用户名（您权限范围内的回访专员）",
        error_messages={"does_not_exist": "回访专员“{value}”不存在或不在您的权限范围内"},
    )
    agent_name = serializers.CharField(source="agent.display_name", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = AgentAbsence
        fields = [
            "id",
            "agent",
            "agent_name",
            "starts_on",
            "ends_on",
            "reason",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["agent"].queryset = User.objects.restrict(request.user, "view").filter(
                role=Role.AGENT
            )

    def validate(self, data):
        if data["ends_on"] < data["starts_on"]:
            raise serializers.ValidationError({"ends_on": ["结束日期不能早于开始日期"]})
        return data


class AgentAbsenceViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """离岗登记：离岗期间平均分配和回访计划不给该回访专员分任务（已分给他的不变）。

    POST 登记（日期不能与已有的重叠），DELETE 结束离岗（今天起在岗；尚未开始或今天开始的
    撤销）。筛选：agent（用户名）, on（某日离岗的）, current（true：当前及以后的）。"""

    queryset = AgentAbsence.objects.select_related("agent", "created_by").order_by(
        "-starts_on", "pk"
    )
    serializer_class = AbsenceSerializer
    filterset_class = AbsenceFilterSet
    permission_classes = [ServiceChecked]

    def get_queryset(self):
        if self.request.method in ("POST", "DELETE"):
            return self.queryset.restrict(self.request.user, "view")
        return super().get_queryset()

    @extend_schema(
        summary="登记离岗",
        examples=[
            OpenApiExample(
                "年假",
                value={
                    "agent": "010101_agent2",
                    "starts_on": "2026-02-02",
                    "ends_on": "2026-02-06",
                    "reason": "年假",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        _require_manage(request)
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        absence = distribution.do_add_absence(
            data["agent"],
            data["starts_on"],
            data["ends_on"],
            data.get("reason", ""),
            actor=request.user,
        )
        return Response(self.get_serializer(absence).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="结束离岗（今天起在岗）")
    def destroy(self, request, *args, **kwargs):
        _require_manage(request)
        distribution.do_end_absence(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register(
        "distribution-settings", DistributionSettingViewSet, basename="distribution-setting"
    )
    router.register("agent-absences", AgentAbsenceViewSet, basename="agent-absence")
