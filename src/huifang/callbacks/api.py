"""API of the callback list: ``/api/v1/callback-tasks/`` (the task list page's filters and
scoping, and the task pages' actions: assign, 自动分配, cancel, start, 无法联系),
``/api/v1/callback-batches/`` (加入回访名单 from a frozen screening run, as a job) and
``/api/v1/business-types/`` (HQ maintains them).

Every write goes through ``huifang.callbacks.services`` (or the records service for
无法联系), called as the pages call them; the pages' gates and forms come first.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms.models import model_to_dict
from django.http import QueryDict
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from huifang.callbacks import api_examples as examples
from huifang.callbacks import distribution, jobs, services
from huifang.callbacks.choices import OPEN_STATUSES, DistributionMode
from huifang.callbacks.distribution import MIXED
from huifang.callbacks.filtersets import BatchFilterSet, BusinessTypeFilterSet, TaskFilterSet
from huifang.callbacks.forms import BusinessTypeForm
from huifang.callbacks.models import Batch, BusinessType, CallbackTask
from huifang.callbacks.records import services as record_services
from huifang.callbacks.tables import TaskTable
from huifang.core.api import (
    ExportViewSetMixin,
    JobAcceptedSerializer,
    KeysetPagination,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    TableValueField,
    accepted,
)
from huifang.core.api_errors import Conflict
from huifang.core.api_schema import error_response
from huifang.core.filtersets import BIGINT
from huifang.core.jobs import start_job
from huifang.core.permissions import ModelPermissions
from huifang.core.scoping import has_model_perm
from huifang.org.models import Branch
from huifang.rules.models import RunStatus, ScreeningRun

ID = {"min_value": 1, "max_value": BIGINT[1]}  # a database id (beyond it: 400, not 500)


class TaskCursorPagination(KeysetPagination):
    """Keyset pages (no COUNT over a million tasks)."""

    ordering = "-id"


@extend_schema_serializer(
    examples=[OpenApiExample("回访任务", value=examples.TASK, response_only=True)]
)
class TaskSerializer(serializers.ModelSerializer):
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    customer_type = serializers.CharField(
        source="customer.get_customer_type_display", read_only=True
    )
    risk_level = TableValueField(TaskTable)  # as the task list shows it
    account_status = serializers.CharField(source="customer.get_status_display", read_only=True)
    dormant = serializers.BooleanField(source="customer.dormant", read_only=True)
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    batch = serializers.CharField(source="batch.number", read_only=True)
    batches = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rule_codes = serializers.SerializerMethodField()
    assignee = serializers.CharField(
        source="assignee.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = CallbackTask
        fields = [
            "id",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "customer_type",
            "risk_level",
            "account_status",
            "dormant",
            "business_type",
            "rule_codes",
            "reasons",
            "status",
            "status_label",
            "batch",
            "batches",
            "deadline",
            "deadline_provisional",
            "assignee",
            "attempt_count",
            "unanswered_count",
            "appointment_at",
            "close_reason",
            "created_at",
            "updated_at",
        ]

    def get_rule_codes(self, obj: CallbackTask) -> list[str]:
        return obj.codes

    def get_batches(self, obj: CallbackTask) -> list[str]:
        return [link.batch.number for link in obj.links.all()]


# ---------------------------------------------------------------- task actions


class ServiceCheckedPermission(ModelPermissions):
    """For POST actions whose real permission the pages and services check with their own
    Chinese refusals (tasks: 分配/取消 managing them, 开始处理 working them, 无法联系 the
    branch manager's; 反馈营业部 and its handling): here only seeing the model is required."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        help_text="回访专员的用户名（您权限范围内启用的回访专员）",
        error_messages={"required": "请选择回访专员", "blank": "请选择回访专员"},
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        help_text="取消原因",
        error_messages={
            "required": "请填写取消原因",
            "blank": "请填写取消原因",
            "max_length": "取消原因不能超过 200 字",
        },
    )


class CloseUnreachableSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="关闭说明（可选；默认“未接通 N 次”）",
        error_messages={"max_length": "关闭说明不能超过 200 字"},
    )


class DistributeSerializer(serializers.Serializer):
    """自动分配: the tasks (ticked ids, or every task matching the list's filter) shared
    evenly among the active agents of ``branch`` (and its subtree)."""

    tasks = serializers.ListField(
        child=serializers.IntegerField(**ID),
        required=False,
        allow_empty=False,
        help_text="勾选的回访任务编号（与 filter 二选一）",
        error_messages={"empty": "请先选择回访任务"},
    )
    filter = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="符合筛选条件的全部任务：列表的查询参数，与 GET callback-tasks/ 相同，"
        "例如 batch=1000000001&status=open（与 tasks 二选一）",
    )
    branch = serializers.CharField(
        required=False,
        help_text="营业部代码：由其（含下级）启用且今天在岗的回访专员按该营业部的分配方式分配；您只能看到一个部门时可省略",
    )
    expected = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=BIGINT[1],
        help_text="确认的任务条数：与实际不符时不做任何修改",
    )

    def validate(self, data):
        has_tasks, has_filter = "tasks" in data, bool(data.get("filter"))
        if has_tasks == has_filter:
            raise ValidationError(
                {"tasks": ["请提供勾选的任务编号 tasks 或筛选条件 filter（二选一）"]}
            )
        return data


class DistributeResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="分配的任务条数")
    mode = serializers.ChoiceField(
        choices=[*DistributionMode.choices, (MIXED, "按各营业部的分配方式")],
        help_text="所用的分配方式（分配设置；每条任务按其最近的有在岗专员的部门的方式，"
        "用到多种时为 mixed）",
    )
    assignments = serializers.DictField(
        child=serializers.IntegerField(), help_text="每位回访专员（用户名）分到的条数"
    )
    away = serializers.ListField(
        child=serializers.CharField(), help_text="今天离岗、未参与分配的回访专员（用户名）"
    )


def refused(task: CallbackTask, sources, exc: DjangoValidationError):
    """A change the service refused: 409 when the task is no longer in a status the change
    starts from (already done, cancelled meanwhile), else the refusal itself (400)."""
    task.refresh_from_db(fields=["status"])
    if task.status not in sources:
        return Conflict("；".join(exc.messages))
    return exc


def conflict(message: str):
    """The schema of a 409 answer (an example in the API's one error shape)."""
    return error_response("与当前状态冲突，没有执行", "conflict", message)


TASK_EXAMPLE_RESPONSE = OpenApiExample("回访任务", value=examples.TASK, response_only=True)
TASK_CLOSED = conflict("任务 #42 当前为“已取消”，不能执行“取消”")

TASK_ACTIONS = ("assign", "distribute", "cancel", "start", "close_unreachable")


class TaskViewSet(ExportViewSetMixin, ScopedReadOnlyViewSet):
    """回访任务：与任务列表页相同的筛选条件与数据范围，按编号倒序（游标分页）；export/ 导出
    与页面相同的列。操作与页面相同：分配（assign）、自动分配（distribute）、取消（cancel）、
    开始处理（start）、关闭为无法联系（close-unreachable）。"""

    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    ).prefetch_related("links__batch")
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    pagination_class = TaskCursorPagination
    export_table = TaskTable
    export_name = "callback_tasks"
    export_title = "回访任务"

    def get_queryset(self):
        if self.action not in TASK_ACTIONS:
            return super().get_queryset()
        # An action finds its task among those the caller sees (else 404); whether they
        # may change it is the service's decision (403 with its reason).
        user = self.request.user
        if not has_model_perm(user, CallbackTask, "view"):
            return self.queryset.none()
        return self.queryset.all().restrict(user, "view")

    def _answer(self, task: CallbackTask) -> Response:
        return Response(TaskSerializer(self.queryset.get(pk=task.pk)).data)

    def _require_manage(self, message: str) -> None:
        # The bulk page's gate, before its form (task_bulk).
        if not services.may_manage_tasks(self.request.user):
            raise PermissionDenied(message)

    @extend_schema(
        summary="分配给回访专员",
        request=AssignSerializer,
        responses={200: TaskSerializer, 409: TASK_CLOSED},
        examples=[
            OpenApiExample("分配", value={"assignee": "010101_agent1"}, request_only=True),
            TASK_EXAMPLE_RESPONSE,
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[ServiceCheckedPermission])
    def assign(self, request, pk=None):
        """把任务分配给一位回访专员（营业部负责人、总部合规管理员）。"""
        task = self.get_object()
        self._require_manage("您没有分配回访任务的权限")
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name = body.validated_data["assignee"]
        agent = services.agents_in_scope(request.user).filter(username=name).first()
        if agent is None:
            raise ValidationError(
                {"assignee": [f"回访专员“{name}”不存在、未启用或不在您的权限范围内"]}
            )
        try:
            services.do_assign([task.pk], agent, actor=request.user)
        except DjangoValidationError as exc:
            raise refused(task, OPEN_STATUSES, exc) from exc
        return self._answer(task)

    @extend_schema(
        summary="自动分配（平均分配给营业部的回访专员）",
        request=DistributeSerializer,
        responses={
            200: DistributeResultSerializer,
        },
        examples=[
            OpenApiExample(
                "勾选的任务",
                value={"tasks": [41, 42, 43], "branch": "010101", "expected": 3},
                request_only=True,
            ),
            OpenApiExample(
                "符合筛选条件的全部任务",
                value={"filter": "batch=1000000001&status=new", "branch": "010101"},
                request_only=True,
            ),
            OpenApiExample(
                "结果",
                value={
                    "count": 3,
                    "mode": "least_loaded",
                    "assignments": {"010101_agent1": 2, "010101_agent2": 1},
                    "away": ["010101_agent3"],
                },
                response_only=True,
            ),
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[ServiceCheckedPermission],
        filterset_class=None,
        pagination_class=None,
    )
    def distribute(self, request):
        """自动分配：把勾选的任务（tasks）或符合列表筛选条件的全部任务（filter）平均分配给
        营业部（branch，含下级）启用的回访专员：每条任务给能看到它、当前未完成任务最少的专员。
        全部成功或不做任何修改；expected 为确认的条数。"""
        user = request.user
        self._require_manage("您没有分配回访任务的权限")
        body = DistributeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        branch = self._distribute_branch(data.get("branch"))
        if "tasks" in data:
            selection = data["tasks"]
        else:
            filterset = TaskFilterSet(
                QueryDict(data["filter"]),
                queryset=CallbackTask.objects.restrict(user, "change"),
                request=request,
            )
            if not filterset.is_valid():
                raise ValidationError({"filter": _form_messages(filterset.errors)})
            selection = filterset.qs
        done = distribution.do_auto_distribute(
            selection, branch, actor=user, expected=data.get("expected")
        )
        answer = {
            "count": done.count,
            "mode": done.mode,
            "assignments": dict(sorted(done.shares.items())),
            "away": done.away,
        }
        return Response(DistributeResultSerializer(answer).data)

    def _distribute_branch(self, code: str | None) -> Branch:
        """The branch as the page's DistributeForm offers it: one the caller sees; not
        asked when they see only one."""
        branches = Branch.objects.restrict(self.request.user, "view").order_by("path")
        if not code:
            only = list(branches[:2])
            if len(only) == 1:
                return only[0]
            raise ValidationError({"branch": ["请选择营业部"]})
        branch = branches.filter(code=code).first()
        if branch is None:
            raise ValidationError({"branch": [f"部门“{code}”不存在或不在您的权限范围内"]})
        return branch

    @extend_schema(
        summary="取消任务",
        request=CancelSerializer,
        responses={200: TaskSerializer, 409: TASK_CLOSED},
        examples=[
            OpenApiExample("取消", value={"reason": "客户已转户"}, request_only=True),
            TASK_EXAMPLE_RESPONSE,
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[ServiceCheckedPermission])
    def cancel(self, request, pk=None):
        """取消一条未完成的任务（营业部负责人、总部合规管理员），须填写原因；已结束的任务 409。"""
        task = self.get_object()
        self._require_manage("您没有取消回访任务的权限")
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.do_cancel([task.pk], body.validated_data["reason"], actor=request.user)
        except DjangoValidationError as exc:
            raise refused(task, OPEN_STATUSES, exc) from exc
        return self._answer(task)

    @extend_schema(
        summary="开始处理",
        request=None,
        responses={200: TaskSerializer, 409: TASK_CLOSED},
        examples=[TASK_EXAMPLE_RESPONSE],
    )
    @action(detail=True, methods=["post"], permission_classes=[ServiceCheckedPermission])
    def start(self, request, pk=None):
        """未处理 → 处理中（任务详情页的“开始处理”）；不是“未处理”的任务 409。"""
        task = self.get_object()
        try:
            services.do_start(task, actor=request.user)
        except DjangoValidationError as exc:
            raise refused(task, services.TRANSITIONS["start"].sources, exc) from exc
        return self._answer(task)

    @extend_schema(
        summary="关闭为无法联系",
        request=CloseUnreachableSerializer,
        responses={200: TaskSerializer, 409: TASK_CLOSED},
        examples=[
            OpenApiExample("关闭", value={"reason": "多次未接通"}, request_only=True),
            TASK_EXAMPLE_RESPONSE,
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="close-unreachable",
        permission_classes=[ServiceCheckedPermission],
    )
    def close_unreachable(self, request, pk=None):
        """关闭为“无法联系”（营业部负责人、总部合规管理员），未接通次数达到业务类型的上限后；
        已结束的任务 409。"""
        task = self.get_object()
        body = CloseUnreachableSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record_services.do_close_unreachable(
                task, actor=request.user, reason=body.validated_data.get("reason", "")
            )
        except DjangoValidationError as exc:
            raise refused(task, OPEN_STATUSES, exc) from exc
        return self._answer(task)


def _form_messages(errors) -> list[str]:
    """A filter's errors as "参数：说明" (the filter travels as one query string)."""
    return [f"{field}：{message}" for field, messages in errors.items() for message in messages]


# ---------------------------------------------------------------- batches


@extend_schema_serializer(
    examples=[OpenApiExample("回访批次", value=examples.BATCH, response_only=True)]
)
class BatchSerializer(serializers.ModelSerializer):
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Batch
        fields = [
            "id",
            "number",
            "run",
            "business_type",
            "as_of",
            "hit_count",
            "created_count",
            "merged_count",
            "skipped_count",
            "sample_percent",
            "candidate_count",
            "sampled_count",
            "deadline",
            "deadline_provisional",
            "created_by",
            "created_at",
        ]


class BatchCreateSerializer(serializers.Serializer):
    """加入回访名单: the page's form (an already frozen run, an active business type)."""

    run = serializers.IntegerField(
        **ID,
        help_text="已落地（frozen）的筛选记录编号",
        error_messages={"required": "请选择已落地的筛选"},
    )
    business_type = serializers.CharField(
        help_text="回访业务类型名称（启用的）",
        error_messages={"required": "请选择回访业务类型", "blank": "请选择回访业务类型"},
    )
    distribute = serializers.BooleanField(
        required=False,
        default=False,
        help_text="生成后自动分配：按各营业部的分配方式把新任务分给今天在岗的回访专员",
    )

    def validate_run(self, value: int) -> ScreeningRun:
        run = ScreeningRun.objects.filter(pk=value).first()
        if run is None:
            raise ValidationError(f"筛选记录 #{value} 不存在")
        return run

    def validate_business_type(self, value: str) -> BusinessType:
        found = BusinessType.objects.filter(name=value.strip()).first()
        if found is None:
            raise ValidationError(f"回访业务类型“{value}”不存在")
        return found


@extend_schema_view(
    list=extend_schema(summary="回访批次列表"), retrieve=extend_schema(summary="回访批次")
)
class BatchViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """回访批次：按批次号倒序；筛选参数与批次列表页相同（number、business_type、created_at）。
    POST 加入回访名单（总部合规管理员）：由后台任务生成，应答 202 与后台任务地址。"""

    queryset = Batch.objects.select_related("business_type", "created_by").order_by("-number")
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    lookup_field = "number"

    @extend_schema(
        summary="加入回访名单",
        request=BatchCreateSerializer,
        responses={
            200: BatchSerializer,
            202: JobAcceptedSerializer,
            409: conflict("只有已落地的筛选结果才能加入回访名单，请先执行“数据落地”"),
        },
        examples=[
            OpenApiExample(
                "加入回访名单",
                value={"run": 7, "business_type": "年度适当性回访", "distribute": True},
                request_only=True,
            ),
            OpenApiExample(
                "已开始",
                value={
                    "job": 12,
                    "status": "queued",
                    "url": "https://huifang.example/api/v1/jobs/12/",
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        """把已落地的筛选结果按回访业务类型加入回访名单：在后台生成批次与任务，应答 202 与
        后台任务地址（结束后其 result.batch 为批次号）。同一筛选与业务类型已加入过时
        应答 200 与已有的批次，不新建任务；筛选尚未落地 409。"""
        body = BatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = body.validated_data["run"]
        business_type = body.validated_data["business_type"]
        existing = Batch.objects.filter(run=run, business_type=business_type).first()
        if existing is not None:
            return Response(BatchSerializer(existing).data, status=status.HTTP_200_OK)
        try:
            services.check_can_create_batch(run, business_type)
        except DjangoValidationError as exc:
            if run.status != RunStatus.FROZEN:
                raise Conflict("；".join(exc.messages)) from exc
            if not business_type.is_active:
                raise ValidationError({"business_type": exc.messages}) from exc
            raise
        job = start_job(
            jobs.KIND,
            f"加入回访名单：筛选 #{run.pk}（{business_type.name}）",
            jobs.CreateBatchParams(
                run=run.pk,
                business_type=business_type.pk,
                distribute=body.validated_data["distribute"],
            ),
            user=request.user,
        )
        return accepted(request, job)


# ---------------------------------------------------------------- business types


BUSINESS_TYPE_EXAMPLE = {
    "id": 1,
    "name": "年度适当性回访",
    "description": "年度适当性回访（年度回访名单）",
    "deadline_rule": "trading_days",
    "deadline_days": 40,
    "event_age": 70,
    "max_unanswered_attempts": 3,
    "questionnaire_required": True,
    "required_record_fields": ["duration_seconds"],
    "sample_percent": 100,
    "is_active": True,
    "sort_order": 10,
}


@extend_schema_serializer(
    examples=[OpenApiExample("业务类型", value=BUSINESS_TYPE_EXAMPLE, response_only=True)]
)
class BusinessTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessType
        fields = [
            "id",
            "name",
            "description",
            "deadline_rule",
            "deadline_days",
            "event_age",
            "max_unanswered_attempts",
            "questionnaire_required",
            "required_record_fields",
            "sample_percent",
            "is_active",
            "sort_order",
        ]


class BusinessTypeWriteSerializer(serializers.ModelSerializer):
    """The body of POST/PATCH (validated by the page's form, BusinessTypeForm)."""

    class Meta:
        model = BusinessType
        fields = services.BUSINESS_TYPE_FIELDS


def form_data(request, form_class, instance, fields: list[str]) -> dict:
    """The page form's data: what the page shows before one types (the stored values, or
    for a new entry the form's defaults), then what the request sent — so PATCH changes
    only what it sends and POST needs only what the page requires one to fill in."""
    if instance is not None:
        data = model_to_dict(instance, fields=fields)
    else:
        data = {}
        for name, field in form_class().fields.items():
            initial = field.initial() if callable(field.initial) else field.initial
            if name in fields and initial is not None:
                data[name] = initial
    sent = request.data
    lists = {
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.MultipleChoiceField)
    }
    for key in sent:
        if key in fields:
            if isinstance(sent, QueryDict):  # a form-encoded body
                data[key] = sent.getlist(key) if key in lists else sent.get(key)
            else:
                data[key] = sent[key]
    return {key: value for key, value in data.items() if value is not None}


class MaintainedViewSetMixin:
    """POST / PATCH of an HQ dictionary through its page's form and service (no PUT, no
    DELETE)."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    form_class = None
    fields: list[str] = []

    def save(self, instance, data: dict):
        """The dictionary's ``do_save_…`` service (each viewset names its own)."""
        raise NotImplementedError(f"{type(self).__name__} names no save service")

    def _saved(self, request, instance):
        data = form_data(request, self.form_class, instance, self.fields)
        form = self.form_class(data, instance=instance)
        if not form.is_valid():
            raise ValidationError(
                {
                    ("non_field_errors" if key == "__all__" else key): list(messages)
                    for key, messages in form.errors.items()
                }
            )
        # The form wrote its input onto ``instance``: the service gets the stored row, so
        # that its audit diff sees the real "before" (as the page does).
        stored = type(instance).objects.get(pk=instance.pk) if instance is not None else None
        return self.save(stored, form.cleaned_data)

    def create(self, request, *args, **kwargs):
        saved = self._saved(request, None)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        saved = self._saved(request, self.get_object())
        return Response(self.get_serializer(saved).data)


@extend_schema_view(
    list=extend_schema(summary="回访业务类型列表"),
    retrieve=extend_schema(summary="回访业务类型"),
    create=extend_schema(
        summary="新建回访业务类型",
        request=BusinessTypeWriteSerializer,
        responses={
            201: BusinessTypeSerializer,
        },
        examples=[
            OpenApiExample(
                "新建",
                value={
                    "name": "大额亏损回访",
                    "deadline_rule": "trading_days",
                    "deadline_days": 10,
                    "max_unanswered_attempts": 3,
                    "is_active": True,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="修改回访业务类型",
        request=BusinessTypeWriteSerializer(partial=True),
        responses={
            200: BusinessTypeSerializer,
        },
        examples=[OpenApiExample("停用", value={"is_active": False}, request_only=True)],
    ),
)
class BusinessTypeViewSet(
    MaintainedViewSetMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """回访业务类型：按排序号、名称；筛选参数与页面相同（name、is_active）。POST 新建、PATCH
    修改（总部合规管理员），与页面相同的校验，审计。"""

    queryset = BusinessType.objects.order_by("sort_order", "name")
    serializer_class = BusinessTypeSerializer
    filterset_class = BusinessTypeFilterSet
    form_class = BusinessTypeForm
    fields = services.BUSINESS_TYPE_FIELDS

    def save(self, instance, data):
        return services.do_save_business_type(instance, data, actor=self.request.user)


def register(router) -> None:
    from huifang.callbacks import distribution_api

    router.register("callback-tasks", TaskViewSet, basename="callback-task")
    distribution_api.register(router)
    router.register("callback-batches", BatchViewSet, basename="callback-batch")
    router.register("business-types", BusinessTypeViewSet, basename="business-type")
