"""The questionnaires for users with tokens (the app hall's signed endpoints are
``surveys/api.py``): ``/api/v1/questionnaires/`` (versions; create, edit the draft,
publish, new draft), ``/api/v1/survey-invitations/`` (问卷下发 from tasks) and
``/api/v1/survey-responses/`` (问卷结果, export of all answers of a version). Every write
is a ``surveys.services`` / ``surveys.sending`` call made the way the pages make it.
``/api/v1/callback-tasks/{id}/offline-questionnaire/`` is 录入线下问卷 (the task page's
form, ``surveys.offline.do_enter_offline``)."""

from __future__ import annotations

import json

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.http import QueryDict
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from huifang.callbacks.api import ServiceCheckedPermission
from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import BusinessType, CallbackTask
from huifang.callbacks.records.services import AttachmentInput
from huifang.callbacks.services import work_refusal
from huifang.core.api import (
    FILE_RESPONSES,
    JobAcceptedSerializer,
    KeysetPagination,
    ScopedViewSetMixin,
    accepted,
)
from huifang.core.api_errors import Conflict, Gone
from huifang.core.api_schema import error_response
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import BIGINT
from huifang.core.jobs import start_job
from huifang.surveys import api_examples as examples
from huifang.surveys import content, jobs, offline, results, sending, services, writeback
from huifang.surveys.choices import Channel, InvitationStatus, VersionStatus
from huifang.surveys.filtersets import QuestionnaireFilterSet
from huifang.surveys.models import Invitation, Questionnaire, QuestionnaireVersion
from huifang.surveys.models import Response as SurveyResponse
from huifang.surveys.offline_views import OfflineForm
from huifang.surveys.sections import may_enter_offline

TASK_NOT_FOUND = "回访任务不存在或不在您的权限范围内"
JOB_EXAMPLE = OpenApiExample(
    "已转入后台",
    value={"job": 42, "status": "queued", "url": "https://HOST/api/v1/jobs/42/"},
    response_only=True,
    status_codes=["202"],
)


def _business_types(names: list[str]) -> list[BusinessType]:
    """The active business types named (what the pages' checkboxes offer); 400 for any
    other name."""
    names = [n.strip() for n in names]
    found = {bt.name: bt for bt in BusinessType.objects.filter(is_active=True, name__in=names)}
    missing = [n for n in dict.fromkeys(names) if n not in found]
    if missing:
        raise ValidationError(f"回访业务类型不存在或已停用：{'、'.join(missing)}")
    return [found[n] for n in dict.fromkeys(names)]


# ---------------------------------------------------------------- questionnaires


class VersionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    published_by = serializers.CharField(
        source="published_by.username", default=None, allow_null=True, read_only=True
    )
    questions = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="题目（问卷文件格式，含 abnormal / note 标记）",
    )

    class Meta:
        model = QuestionnaireVersion
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "title",
            "opening",
            "closing",
            "questions",
            "created_at",
            "updated_at",
            "published_at",
            "published_by",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[OpenApiExample("问卷", value=examples.QUESTIONNAIRE, response_only=True)]
)
class QuestionnaireSerializer(serializers.ModelSerializer):
    business_types = serializers.SerializerMethodField()
    latest_number = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="最新发布的版本号"
    )
    has_draft = serializers.BooleanField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    updated_by = serializers.CharField(
        source="updated_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "code",
            "title",
            "business_types",
            "latest_number",
            "has_draft",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_business_types(self, obj: Questionnaire) -> list[str]:
        return [bt.name for bt in obj.business_types.all()]


@extend_schema_serializer(
    examples=[
        OpenApiExample("问卷与各版本", value=examples.QUESTIONNAIRE_DETAIL, response_only=True)
    ]
)
class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    # The draft first, then the published versions newest first (as the page lists them).
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(QuestionnaireSerializer.Meta):
        fields = [*QuestionnaireSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class QuestionnaireCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50, help_text="问卷编号，创建后不可修改")
    title = serializers.CharField(max_length=content.MAX_TITLE)
    business_types = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="回访业务类型名称"
    )

    def validate_business_types(self, value: list[str]) -> list[BusinessType]:
        return _business_types(value)


class DraftSerializer(serializers.Serializer):
    """The draft's fields to change; those left out stay as they are."""

    title = serializers.CharField(required=False, max_length=content.MAX_TITLE)
    opening = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    closing = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    business_types = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="回访业务类型名称（整体替换）"
    )
    questions = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="全部题目（问卷文件格式，整体替换）",
    )

    def validate_business_types(self, value: list[str]) -> list[BusinessType]:
        return _business_types(value)

    def validate_questions(self, value: list) -> list[dict]:
        # The service checks them again; here its Chinese messages land on the field.
        return content.validate_questions(value)


QUESTION_EXAMPLE = {
    "id": "identity",
    "text": "您是本人吗？",
    "type": "yes_no",
    "required": True,
    "options": [
        {"id": "yes", "text": "是", "abnormal": False, "note": False},
        {"id": "no", "text": "不是本人", "abnormal": True, "note": True},
    ],
}

VERSION_EXAMPLE = {
    "id": 12,
    "number": None,
    "status": "draft",
    "status_label": "草稿",
    "title": "新开户回访问卷",
    "opening": "您好",
    "closing": "谢谢",
    "questions": [QUESTION_EXAMPLE],
    "created_at": "2026-03-02T10:00:00+08:00",
    "updated_at": "2026-03-02T10:00:00+08:00",
    "published_at": None,
    "published_by": None,
}


class QuestionnaireViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """问卷：列表（与问卷页相同的筛选 q、business_type，按问卷编号排序）与详情（含全部版本：
    草稿在前，已发布版本按版本号倒序）。POST 新建问卷（带空白草稿），PATCH 修改草稿，
    POST {id}/publish/ 将草稿发布为下一版本，POST {id}/new-draft/ 由最新版本新建草稿。
    已发布的版本不能修改。"""

    queryset = (
        Questionnaire.objects.select_related("created_by", "updated_by")
        .prefetch_related(
            "business_types",
            Prefetch(
                "versions",
                queryset=QuestionnaireVersion.objects.select_related("published_by").order_by(
                    "status", "-number"
                ),
            ),
        )
        .annotate(
            latest_number=Max(
                "versions__number", filter=Q(versions__status=VersionStatus.PUBLISHED)
            ),
            has_draft=Exists(
                QuestionnaireVersion.objects.filter(
                    questionnaire=OuterRef("pk"), status=VersionStatus.DRAFT
                )
            ),
        )
        .order_by("code")
    )
    filterset_class = QuestionnaireFilterSet
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        if self.action == "list":
            return QuestionnaireSerializer
        return QuestionnaireDetailSerializer

    def get_permissions(self):
        # publish / new draft: each service checks its own permission (发布 is not "add").
        if self.action in ("publish", "new_draft"):
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        if self.action in ("publish", "new_draft"):
            return self.queryset.restrict(self.request.user, "view")
        return super().get_queryset()

    def _detail(self, questionnaire: Questionnaire, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.queryset.get(pk=questionnaire.pk)
        return Response(QuestionnaireDetailSerializer(fresh).data, status=code)

    @extend_schema(
        request=QuestionnaireCreateSerializer,
        responses={201: QuestionnaireDetailSerializer},
        examples=[
            OpenApiExample(
                "新建问卷",
                value={
                    "code": "QN-NEW",
                    "title": "新开户回访问卷",
                    "business_types": ["新开户回访"],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = QuestionnaireCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        questionnaire = services.do_create_questionnaire(
            values["code"],
            values["title"],
            business_types=values["business_types"],
            actor=request.user,
        )
        return self._detail(questionnaire, status.HTTP_201_CREATED)

    @extend_schema(
        request=DraftSerializer,
        responses={200: QuestionnaireDetailSerializer},
        examples=[
            OpenApiExample(
                "修改草稿",
                value={
                    "title": "新开户回访问卷",
                    "opening": "您好",
                    "questions": [QUESTION_EXAMPLE],
                },
                request_only=True,
            )
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        questionnaire = self.get_object()
        data = DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.do_save_draft(questionnaire, **data.validated_data, actor=request.user)
        return self._detail(questionnaire)

    @extend_schema(
        request=None,
        responses={200: VersionSerializer},
        examples=[
            OpenApiExample(
                "已发布第 2 版",
                value={
                    **VERSION_EXAMPLE,
                    "number": 2,
                    "status": "published",
                    "status_label": "已发布",
                },
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """将草稿发布为下一版本（1、2、3……），发布后不能修改。"""
        version = services.do_publish(self.get_object(), actor=request.user)
        return Response(VersionSerializer(version).data)

    @extend_schema(
        request=None,
        responses={201: VersionSerializer},
        examples=[
            OpenApiExample(
                "新草稿", value=VERSION_EXAMPLE, response_only=True, status_codes=["201"]
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="new-draft")
    def new_draft(self, request, pk=None):
        """由最新发布的版本复制出草稿（没有已发布版本时为空白草稿）；已有草稿时拒绝。"""
        draft = services.do_new_draft(self.get_object(), actor=request.user)
        return Response(VersionSerializer(draft).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- invitations


class InvitationFilterSet(results.ResultFilterSet):
    """The results page's filters (批次号 / 部门 / 渠道) with the version it is about (its
    address there), the task (the task page's section) and the status."""

    version = django_filters.NumberFilter(label="问卷版本", field_name="version_id")
    task = django_filters.NumberFilter(label="回访任务", field_name="task_id")
    status = django_filters.ChoiceFilter(label="状态", choices=InvitationStatus.choices)


class ResponseFilterSet(results.ResultFilterSet):
    """The results page's filters with the version it is about and the task."""

    version = django_filters.NumberFilter(label="问卷版本", field_name="version_id")
    task = django_filters.NumberFilter(label="回访任务", field_name="task_id")


class InvitationCursorPagination(KeysetPagination):
    ordering = ("-created_at", "-id")


INVITATION_EXAMPLE = {
    "code": "INVWOV4VL5ZAAWM6NU7",
    "task": 345,
    "investor_code": "0000012345",
    "customer_name": "张三",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "business_type": "年度适当性回访",
    "channel": "h5",
    "channel_label": "H5",
    "questionnaire": "QN-ANNUAL",
    "version": 6,
    "version_number": 2,
    "status": "answered",
    "status_label": "已作答",
    "expires_at": "2026-01-19T10:00:00+08:00",
    "created_at": "2026-01-05T10:00:00+08:00",
    "created_by": "010101_agent1",
    "sent_at": "2026-01-05T10:00:00+08:00",
    "delivered_at": None,
    "opened_at": None,
    "answered_at": "2026-01-05T10:02:00+08:00",
    "response": 77,
    "h5_url": None,
}


@extend_schema_serializer(
    examples=[OpenApiExample("问卷邀请（已作答）", value=INVITATION_EXAMPLE, response_only=True)]
)
class InvitationSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", read_only=True)
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    business_type = serializers.CharField(source="business_type.name", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    questionnaire = serializers.CharField(source="version.questionnaire.code", read_only=True)
    version = serializers.IntegerField(source="version_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    response = serializers.SerializerMethodField()
    h5_url = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "code",
            "task",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "business_type",
            "channel",
            "channel_label",
            "questionnaire",
            "version",
            "version_number",
            "status",
            "status_label",
            "expires_at",
            "created_at",
            "created_by",
            "sent_at",
            "delivered_at",
            "opened_at",
            "answered_at",
            "response",
            "h5_url",
        ]
        read_only_fields = fields

    def _status(self, obj: Invitation) -> InvitationStatus:
        # 已过期 once past its expiry, whatever is stored (as the task page shows it).
        if obj.is_expired and not obj.is_answered:
            return InvitationStatus.EXPIRED
        return InvitationStatus(obj.status)

    def get_status(self, obj: Invitation) -> str:
        return self._status(obj).value

    def get_status_label(self, obj: Invitation) -> str:
        return obj.shown_status

    def get_response(self, obj: Invitation) -> int | None:
        response = getattr(obj, "response", None)
        return response.pk if response is not None else None

    def get_h5_url(self, obj: Invitation) -> str | None:
        """The open H5 invitation's link to send the customer (as on the task page)."""
        if obj.channel != Channel.H5 or not obj.is_open:
            return None
        request = self.context.get("request")
        base = settings.PUBLIC_URL or (request.build_absolute_uri("/")[:-1] if request else "")
        return base + obj.h5_path


class InviteSerializer(serializers.Serializer):
    """问卷下发: the tasks by id (done at once), or every task matching the task list's
    filter (``filter``, its query string: a background job)."""

    channel = serializers.ChoiceField(choices=Channel.choices, help_text="apphall 或 h5")
    questionnaire = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="问卷编号；不填则按任务的回访业务类型自动选择",
    )
    expires_days = serializers.IntegerField(
        min_value=1, max_value=sending.MAX_EXPIRES_DAYS, default=14, help_text="有效天数"
    )
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT[1]),
        required=False,
        min_length=1,
        max_length=sending.CHUNK,
        help_text="回访任务编号（立即下发）",
    )
    filter = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="任务列表的筛选条件（查询字符串，如 batch=4000000001&status=open）：后台下发",
    )

    def validate_channel(self, value: str) -> str:
        if value == Channel.OFFLINE:  # offered by neither page: entered on the task page
            raise ValidationError("渠道应为 apphall（掌厅）或 h5；线下问卷请在任务页录入")
        return value

    def validate_questionnaire(self, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not Questionnaire.objects.filter(
            code=value, versions__status=VersionStatus.PUBLISHED
        ).exists():
            raise ValidationError(f"问卷 {value} 不存在或还没有发布的版本")
        return value

    def validate(self, attrs):
        if ("tasks" in attrs) == ("filter" in attrs):
            raise ValidationError(
                {"tasks": ["请提供 tasks（任务编号列表）或 filter（筛选条件）之一"]}
            )
        return attrs


class InviteResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="新建邀请数")
    skipped = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="跳过的任务数，按原因：closed / already_invited / no_questionnaire",
    )
    summary = serializers.CharField()
    codes = serializers.ListField(child=serializers.CharField(), help_text="新建的邀请编号")


def _visible_tasks(request, ids: list[int], action_name: str = "view") -> list[int]:
    """The ids, all of them tasks the caller may see (else 404)."""
    ids = list(dict.fromkeys(ids))
    found = CallbackTask.objects.restrict(request.user, action_name).filter(pk__in=ids).count()
    if found != len(ids):
        raise NotFound(TASK_NOT_FOUND)
    return ids


def _task_filter(request, query: str, action_name: str) -> tuple[str, int]:
    """The task list's filter (a query string) and how many tasks match it (400 when it
    is invalid or matches none)."""
    filterset = TaskFilterSet(
        QueryDict(query),
        queryset=CallbackTask.objects.restrict(request.user, action_name),
        request=request,
    )
    if not filterset.is_valid():
        problems = [f"{k}：{'；'.join(v)}" for k, v in filterset.errors.items()]
        raise ValidationError({"filter": ["筛选条件有误：" + "；".join(problems)]})
    count = filterset.qs.order_by().count()
    if not count:
        raise ValidationError({"filter": ["没有符合筛选条件的回访任务"]})
    return query, count


class InvitationViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """问卷邀请：列表与详情（与问卷结果页相同的筛选 batch、branch、channel，另可按 version、
    task、status 筛选；按创建时间倒序，游标分页）。POST 下发问卷：tasks（任务编号）立即下发，
    返回 201 与结果；filter（任务列表的筛选条件）在后台下发，返回 202 与后台任务地址。
    每个任务每个渠道只有一个未结束的邀请，重复下发不会新建。"""

    queryset = Invitation.objects.select_related(
        "customer", "branch", "business_type", "version__questionnaire", "created_by", "response"
    )
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilterSet
    pagination_class = InvitationCursorPagination
    lookup_field = "code"
    lookup_value_regex = r"[A-Z0-9]+"

    def get_permissions(self):
        if self.action == "create":  # 下发 is its own permission, checked below
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=InviteSerializer,
        responses={201: InviteResultSerializer, 202: JobAcceptedSerializer},
        examples=[
            OpenApiExample(
                "下发给所选任务",
                value={"channel": "h5", "tasks": [101, 102], "expires_days": 14},
                request_only=True,
            ),
            OpenApiExample(
                "下发给筛选出的全部任务（后台）",
                value={
                    "channel": "apphall",
                    "questionnaire": "QN-NEW",
                    "filter": "batch=4000000001",
                },
                request_only=True,
            ),
            OpenApiExample(
                "立即下发的结果",
                value={
                    "created": 1,
                    "skipped": {"closed": 0, "already_invited": 1, "no_questionnaire": 0},
                    "summary": "新建邀请 1 条，跳过 1 条（已有未结束的邀请）",
                    "codes": ["INVK7Q2M4D9XB3TP6ZR"],
                },
                response_only=True,
                status_codes=["201"],
            ),
            JOB_EXAMPLE,
        ],
    )
    def create(self, request, *args, **kwargs):
        if not request.user.has_perm(sending.SEND):
            raise PermissionDenied("您没有下发问卷的权限")
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "filter" in values:
            query, count = _task_filter(request, values["filter"], "change")
            job = start_job(
                jobs.KIND,
                f"下发问卷（{Channel(values['channel']).label}）：{count} 条回访任务",
                jobs.InviteParams(
                    channel=values["channel"],
                    filters=query,
                    questionnaire=values["questionnaire"],
                    expires_days=values["expires_days"],
                ),
                user=request.user,
            )
            return accepted(request, job)
        result = sending.do_invite(
            _visible_tasks(request, values["tasks"]),
            channel=values["channel"],
            questionnaire=values["questionnaire"],
            expires_days=values["expires_days"],
            actor=request.user,
        )
        body = {
            "created": result.created,
            "skipped": result.skipped,
            "summary": result.summary(),
            "codes": result.codes,
        }
        return Response(body, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- responses


class ResponseCursorPagination(KeysetPagination):
    ordering = ("-received_at", "-id")


class AnswerLineSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="题号")
    id = serializers.CharField(help_text="题目 id")
    text = serializers.CharField(help_text="题目")
    answer = serializers.CharField(help_text="客户的回答（选项文字）")
    note = serializers.CharField(help_text="说明")
    abnormal = serializers.BooleanField(help_text="异常答案")
    answered = serializers.BooleanField()


SURVEY_RESPONSE_EXAMPLE = {
    "id": 77,
    "invitation": "INVWOV4VL5ZAAWM6NU7",
    "channel": "h5",
    "channel_label": "H5",
    "questionnaire": "QN-ANNUAL",
    "version": 6,
    "version_number": 2,
    "investor_code": "0000012345",
    "customer_name": "张三",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "task": 345,
    "batch": "2026010501",
    "record": 680,
    "submitted_at": "2026-01-05T10:02:00+08:00",
    "received_at": "2026-01-05T10:02:00+08:00",
    "abnormal": True,
    "abnormal_questions": ["第 2 题 是否本人开户"],
    "created_via": "web",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample("问卷结果（有异常答案）", value=SURVEY_RESPONSE_EXAMPLE, response_only=True)
    ]
)
class SurveyResponseSerializer(serializers.ModelSerializer):
    invitation = serializers.CharField(source="invitation.code", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    questionnaire = serializers.CharField(source="version.questionnaire.code", read_only=True)
    version = serializers.IntegerField(source="version_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    investor_code = serializers.CharField(source="customer.investor_code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    branch_code = serializers.CharField(source="branch.code", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True)
    batch = serializers.CharField(
        source="task.batch.number", default=None, allow_null=True, read_only=True
    )
    record = serializers.IntegerField(source="record_id", read_only=True)
    abnormal = serializers.BooleanField(source="is_abnormal", read_only=True)
    abnormal_questions = serializers.SerializerMethodField()

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "invitation",
            "channel",
            "channel_label",
            "questionnaire",
            "version",
            "version_number",
            "investor_code",
            "customer_name",
            "branch_code",
            "branch_name",
            "task",
            "batch",
            "record",
            "submitted_at",
            "received_at",
            "abnormal",
            "abnormal_questions",
            "created_via",
        ]
        read_only_fields = fields

    def get_abnormal_questions(self, obj: SurveyResponse) -> list[str]:
        """``第 2 题 是否本人开户`` for each abnormal question."""
        return results.abnormal_texts(obj.version, obj)


SURVEY_RESPONSE_DETAIL_EXAMPLE = {
    **SURVEY_RESPONSE_EXAMPLE,
    "answers": [
        {
            "number": 1,
            "id": "q1",
            "text": "您是本人吗？",
            "answer": "是",
            "note": "",
            "abnormal": False,
            "answered": True,
        },
        {
            "number": 2,
            "id": "q2",
            "text": "是否本人开户",
            "answer": "否",
            "note": "由家人代办",
            "abnormal": True,
            "answered": True,
        },
    ],
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "问卷结果与逐题答案", value=SURVEY_RESPONSE_DETAIL_EXAMPLE, response_only=True
        )
    ]
)
class SurveyResponseDetailSerializer(SurveyResponseSerializer):
    answers = serializers.SerializerMethodField()

    class Meta(SurveyResponseSerializer.Meta):
        fields = [*SurveyResponseSerializer.Meta.fields, "answers"]
        read_only_fields = fields

    @extend_schema_field(AnswerLineSerializer(many=True))
    def get_answers(self, obj: SurveyResponse) -> list[dict]:
        """The answers question by question, as the response page shows them."""
        return results.answer_lines(obj.version, obj)


class SurveyResponseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """问卷结果：列表与详情（详情含逐题答案，异常答案标出；与问卷结果页相同的范围与筛选
    batch、branch、channel，另可按 version、task 筛选；按接收时间倒序，游标分页）。
    export/?version={id}&file_format=xlsx|csv：该版本的全部答案（每份一行，与问卷结果页的
    导出相同，审计）。"""

    queryset = SurveyResponse.objects.select_related(
        "invitation", "version__questionnaire", "customer", "branch", "task__batch"
    )
    filterset_class = ResponseFilterSet
    pagination_class = ResponseCursorPagination

    def get_serializer_class(self):
        if self.action == "retrieve":
            return SurveyResponseDetailSerializer
        return SurveyResponseSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, required=True, description="问卷版本编号（已发布的版本）"
            ),
            OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="文件格式"),
        ],
        responses=FILE_RESPONSES,
    )
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request):
        """导出一个已发布版本的全部答案（与问卷结果页的导出相同）。"""
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in ("xlsx", "csv"):
            raise ValidationError({"file_format": ["文件格式须为 xlsx 或 csv"]})
        number = request.query_params.get("version", "")
        version = (
            QuestionnaireVersion.objects.published()
            .select_related("questionnaire")
            .filter(pk=int(number))
            .first()
            if number.isdigit() and len(number) < 19
            else None
        )
        if version is None:
            raise ValidationError({"version": ["请指定已发布的问卷版本编号"]})
        filterset = ResponseFilterSet(
            request.query_params,
            queryset=self.get_queryset().filter(version=version),
            request=request,
        )
        exporter = Exporter(
            results.answers_sheet(version),
            filterset,
            name=f"survey_{version.questionnaire.code}_v{version.number}",
            title=f"问卷结果 {version.questionnaire.code} 第 {version.number} 版",
            sheet="问卷结果",
            subject=version,
            actor=request.user,
            filters=request.query_params.urlencode(),
        )
        try:
            return exporter.response(fmt)
        except ExportError:
            raise ValidationError(filterset.errors) from None


# ---------------------------------------------------------------- offline entry (线下问卷)

OFFLINE_PERMS = ("surveys.add_response", "records.add_callbackrecord")
OFFLINE_ANSWERS_EXAMPLE = [
    {"question": "identity", "options": ["yes"]},
    {"question": "channels", "options": ["app", "pc"]},
    {"question": "opinion", "text": "无"},
]


class OfflineEntrySerializer(serializers.Serializer):
    """录入线下问卷（multipart/form-data）：与任务页“录入线下问卷”表单相同的内容。"""

    answers = serializers.CharField(
        help_text="答案（JSON 数组，与掌厅接口相同的格式）："
        '[{"question": 题目 id, "options": [选项 id]} 或 {"question": 题目 id, "text": "…"}]，'
        "每项可带 note（说明）；未作答的题目不列出",
        error_messages={"required": "请填写答案", "blank": "请填写答案"},
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT[1],
        help_text="问卷版本编号（已发布的版本）；不填则按任务的回访业务类型选择（与页面相同）",
    )
    scan = serializers.FileField(
        help_text="纸质问卷扫描件（不超过 20 MB）",
        error_messages={"required": "请上传纸质问卷的扫描件", "empty": "扫描件是空文件"},
    )
    filled_on = serializers.DateField(
        required=False, help_text="客户填写日期（YYYY-MM-DD，不晚于今天）；不填为今天"
    )

    def validate_answers(self, value: str) -> list:
        try:
            answers = json.loads(value)
        except ValueError:
            raise ValidationError("答案应为 JSON 数组") from None
        if not isinstance(answers, list):
            raise ValidationError("答案应为 JSON 数组")
        return answers

    def validate(self, attrs):
        # The page's form checks the scan's size and the date: the same form here.
        form = OfflineForm({"filled_on": attrs.get("filled_on") or ""}, {"scan": attrs["scan"]})
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        attrs["submitted_at"] = form.submitted_at()
        return attrs


class OfflineEntryResultSerializer(serializers.Serializer):
    response = serializers.IntegerField(help_text="问卷结果编号")
    record = serializers.IntegerField(help_text="回访记录编号（回访形式：线下问卷）")
    status = serializers.ChoiceField(
        choices=["成功", "其他"], help_text="回访记录的状态：全部答案正常为成功，否则为其他"
    )
    abnormal = serializers.ListField(child=serializers.CharField(), help_text="异常答案的题目 id")


class OfflineEntryViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """录入线下问卷（任务详情页的“录入线下问卷”）。"""

    parser_classes = [MultiPartParser, FormParser]

    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "assignee"
    )
    permission_classes = [ServiceCheckedPermission]
    serializer_class = OfflineEntrySerializer

    def get_queryset(self):
        # As the page: the tasks the caller sees (out of scope 404); the service checks
        # the rest.
        return self.queryset.restrict(self.request.user, "view")

    @extend_schema(
        summary="录入线下问卷",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="回访任务编号")],
        request={"multipart/form-data": OfflineEntrySerializer},
        responses={
            201: OfflineEntryResultSerializer,
            409: error_response(
                "已录入过线下问卷，或任务已结束",
                "conflict",
                "该任务的线下问卷已于 2026-03-02 10:00 由张三录入（邀请 INVK7Q2M4D9XB3TP6ZR），"
                "不能重复录入；如有错误请修改其回访记录",
            ),
        },
        examples=[
            OpenApiExample(
                "录入纸质问卷",
                value={
                    "answers": json.dumps(OFFLINE_ANSWERS_EXAMPLE, ensure_ascii=False),
                    "version": 6,
                    "scan": "（纸质问卷扫描件，PDF 或图片文件）",
                    "filled_on": "2026-03-01",
                },
                request_only=True,
            ),
            OpenApiExample(
                "有异常答案",
                value={"response": 77, "record": 680, "status": "其他", "abnormal": ["identity"]},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def create(self, request, pk=None):
        """录入客户填写的纸质问卷（multipart）：answers（JSON 数组，与掌厅接口的答案格式相同）、
        version（不填按任务的回访业务类型选择）、scan（扫描件，必填，不超过 20 MB）、filled_on
        （客户填写日期，不填为今天）。与页面相同：回访专员录入自己的任务或本营业部未分配的任务
        （他人的任务 403，说明由谁处理），营业部负责人、总部合规管理员录入权限范围内的任务；
        每个任务只录入一次（再次录入 409），已结束的任务 409；答案不符合问卷 400，按题目 id
        列出原因；被拒绝时不写入任何数据。成功 201：问卷结果、回访记录（回访形式“线下问卷”，
        附扫描件）、状态（成功 / 其他）与异常答案的题目；全部正常时任务完成。"""
        if not all(request.user.has_perm(p) for p in OFFLINE_PERMS):
            raise PermissionDenied("您没有录入线下问卷的权限")
        task = self.get_object()
        earlier = offline.entered(task.pk)
        if earlier is not None:
            raise Conflict(offline.already_entered_message(earlier))
        if not may_enter_offline(request.user, task):
            if not task.is_open:
                raise Conflict(f"任务当前为“{task.get_status_display()}”，不能录入线下问卷")
            raise PermissionDenied(
                work_refusal(request.user, task) or "您没有为该任务录入线下问卷的权限"
            )
        body = OfflineEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        try:
            response = offline.do_enter_offline(
                task,
                offline.chosen_version(values.get("version"), task),
                values["answers"],
                scan=AttachmentInput(file=values["scan"]),
                submitted_at=values["submitted_at"],
                actor=request.user,
            )
        except writeback.InvitationClosed as exc:
            raise (Gone if exc.status == 410 else Conflict)(exc.messages[0]) from exc
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise  # by question id, version or scan: 400
            raise Conflict("；".join(exc.messages)) from exc  # entered meanwhile, closed
        return Response(writeback.response_body(response), status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("questionnaires", QuestionnaireViewSet, basename="questionnaire")
    router.register("survey-invitations", InvitationViewSet, basename="survey-invitation")
    router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")
    # A task's sub-address of its own (not an action on callbacks.api's task viewset, nor a
    # second "callback-tasks" registration, which would replace that one in the API root).
    router.register(
        r"callback-tasks/(?P<pk>\d+)/offline-questionnaire",
        OfflineEntryViewSet,
        basename="offline-entry",
    )
