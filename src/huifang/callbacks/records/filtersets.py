"""The one record FilterSet, shared by the list page, its export, the API and the CLI export;
and the small ones of the failure-reason dictionary and the branch feedback list.

Each record filter has its index (``CallbackRecord.Meta.indexes``); the branch is the
subtree of a branch (the record's own ``branch``, copied from its task), the batch any batch
that touched the task. Names (agent username, batch number) are resolved to ids first so
the record table is read through its indexes, never joined to filter.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import BigIntegerField, Exists, ExpressionWrapper, F, OuterRef, QuerySet
from django.db.models.lookups import In

from huifang.callbacks.models import Batch, BusinessType, TaskBatch
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord, FailureReason
from huifang.core.filtersets import YES_NO_ANY, FilterSet, pinned
from huifang.core.people import label as person_label
from huifang.core.scoping import in_subtree
from huifang.org.models import Branch, User


def _select(choices=()) -> forms.Select:
    return forms.Select(attrs={"class": "form-select"}, choices=choices)


# The 回访人 filter's value for the records no agent registered (掌厅/H5 answered by the
# customer, 外呼/短信 results registered by their channel): no username is "-".
NO_AGENT = "-"


def agent_choices(user) -> list[tuple[str, str]]:
    """Users who registered records, among those the viewer may see."""
    choices = [("", "全部"), (NO_AGENT, "无回访人（客户自助、外呼等）")]
    if user is not None and user.is_authenticated:
        people = (
            User.objects.restrict(user, "view")
            # One probe of (agent, called_at) per user, not a DISTINCT over every record.
            .filter(Exists(CallbackRecord.objects.order_by().filter(agent_id=OuterRef("pk"))))
            .order_by("full_name", "username")
            .values_list("username", "full_name")[:500]
        )
        choices += [(name, person_label(full, name)) for name, full in people]
    return choices


class RecordFilterSet(FilterSet):
    q = django_filters.CharFilter(
        label="客户账号或名称",
        method="search",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "账号前缀或名称"}),
    )
    branch = django_filters.ModelChoiceFilter(
        label="营业部",
        queryset=Branch.objects.none(),
        to_field_name="code",
        method="in_branch",
        widget=_select(),
    )
    called_at = django_filters.DateFromToRangeFilter(
        label="回访日期（起止）",
        widget=django_filters.widgets.DateRangeWidget(
            attrs={"type": "date", "class": "form-control"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label="回访状态", choices=RecordStatus.choices, widget=_select()
    )
    method = django_filters.ChoiceFilter(label="回访形式", choices=Method.choices, widget=_select())
    agent = django_filters.CharFilter(label="回访人", method="by_agent", widget=_select())
    business_type = django_filters.ModelChoiceFilter(
        label="回访类型", queryset=BusinessType.objects.all(), widget=_select()
    )
    batch = django_filters.CharFilter(
        label="批次号",
        method="in_batch",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    failure_reason = django_filters.ModelChoiceFilter(
        label="失败原因", queryset=FailureReason.objects.all(), widget=_select()
    )
    fed_back = django_filters.BooleanFilter(
        label="已反馈营业部", method="is_fed_back", widget=_select(YES_NO_ANY)
    )
    task = pinned("任务编号", "任务 #{}")

    class Meta:
        model = CallbackRecord
        fields = [
            "q",
            "branch",
            "called_at",
            "status",
            "method",
            "agent",
            "business_type",
            "batch",
            "failure_reason",
            "fed_back",
            "task",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is None:
            # Scripts (the CLI export) pass no request: any branch code is a valid filter,
            # the rows themselves are scoped by the queryset they start from.
            self.filters["branch"].queryset = Branch.objects.all()
        else:
            self.filters["branch"].queryset = Branch.objects.restrict(user, "view").order_by("path")
            self.form.fields["agent"].widget = _select(agent_choices(user))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.isascii() and value.isdigit():
            return queryset.filter(customer__investor_code__startswith=value)
        return queryset.filter(customer__name__startswith=value)

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        if value is None:
            return queryset
        return in_subtree(queryset, "branch", value)  # the row's own branch_id, no join

    def by_agent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == NO_AGENT:
            return queryset.filter(agent__isnull=True)
        agent_id = User.objects.filter(username=value).values_list("pk", flat=True).first()
        if agent_id is None:
            return queryset.none()
        return queryset.filter(agent_id=agent_id)  # index (agent, called_at)

    def in_batch(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        batch_id = Batch.objects.filter(number=value).values_list("pk", flat=True).first()
        if batch_id is None:
            return queryset.none()
        tasks = TaskBatch.objects.filter(batch_id=batch_id).order_by().values("task_id")
        # ``task_id + 0``: read the page in the list's order (called_at) and test each record
        # against the batch's tasks, rather than fetch every record of a 300k-task batch
        # through (task, called_at) and sort them all.
        task = ExpressionWrapper(F("task_id") + 0, output_field=BigIntegerField())
        return queryset.filter(In(task, tasks))

    def is_fed_back(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(feedback_at__isnull=not value)


class FailureReasonFilterSet(FilterSet):
    name = django_filters.CharFilter(label="名称", lookup_expr="icontains")

    class Meta:
        model = FailureReason
        fields = ["name", "is_active"]


class FeedbackFilterSet(FilterSet):
    handled = django_filters.BooleanFilter(
        label="已处理", method="is_handled", widget=_select(YES_NO_ANY)
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="反馈日期（起止）",
        widget=django_filters.widgets.DateRangeWidget(
            attrs={"type": "date", "class": "form-control"}
        ),
    )
    task = pinned("任务编号", "任务 #{}")

    class Meta:
        model = BranchFeedback
        fields = ["handled", "created_at", "task"]

    def is_handled(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(handled_at__isnull=not value)
