"""The task FilterSet (shared by the list page, its export, the API and the CLI export),
and the batch FilterSet."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.choices import CallableChoiceIterator

from huifang.callbacks.choices import TaskStatus
from huifang.callbacks.models import (
    AgentAbsence,
    Batch,
    BusinessType,
    CallbackTask,
    TaskRule,
    overdue_q,
)
from huifang.core.filtersets import BIGINT, YES_NO_ANY, FilterSet, digits_within
from huifang.core.people import label as person_label
from huifang.core.scoping import in_subtree
from huifang.core.widgets import DateTimeRangeWidget
from huifang.org.models import Branch, Role, User

OPEN = "open"
ME, NOBODY = "me", "none"


def assignee_choices(user) -> list[tuple[str, str]]:
    choices = [("", "全部"), (ME, "我的任务"), (NOBODY, "未分配")]
    if user is not None and user.is_authenticated:
        agents = (
            User.objects.restrict(user, "view")
            .filter(role=Role.AGENT)
            .order_by("full_name", "username")
            .values_list("pk", "username", "full_name")[:500]
        )
        choices += [(str(pk), person_label(full, name)) for pk, name, full in agents]
    return choices


def rule_code_choices() -> list[tuple[str, str]]:
    from huifang.rules.models import Rule

    return [("", "全部")] + [
        (code, f"{code} {name}") for code, name in Rule.objects.values_list("code", "name")
    ]


class TaskFilterSet(FilterSet):
    q = django_filters.CharFilter(label="投资者代码或名称", method="search")
    branch = django_filters.ModelChoiceFilter(
        label="部门", queryset=Branch.objects.none(), method="in_branch"
    )
    batch = django_filters.CharFilter(label="批次号", method="in_batch")
    business_type = django_filters.ModelChoiceFilter(
        label="回访业务类型", queryset=BusinessType.objects.all()
    )
    status = django_filters.ChoiceFilter(
        label="处理状态",
        choices=[(OPEN, "未完成（未处理+处理中）"), *TaskStatus.choices],
        method="in_status",
    )
    # "me", "none", a username or a user id: an id must fit the database.
    assignee = django_filters.CharFilter(
        label="回访专员", method="for_assignee", validators=[digits_within(*BIGINT)]
    )
    rule = django_filters.CharFilter(label="命中规则", method="with_rule")
    overdue = django_filters.BooleanFilter(
        label="已逾期", method="is_overdue", widget=forms.Select(choices=YES_NO_ANY)
    )
    deadline = django_filters.DateFromToRangeFilter(
        label="截止日期",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    # Whole Beijing days (``appointment_after=D&appointment_before=D`` is day D's 改约).
    appointment = django_filters.DateFromToRangeFilter(
        label="改约日期",
        field_name="appointment_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    # Whole Beijing days of the task's creation: the dashboard's 统计期间 for tasks.
    created = django_filters.DateFromToRangeFilter(
        label="创建日期",
        field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    # To the second: an assignment's tasks share one ``assigned_at`` (``apply_assignments``),
    # so ``assigned_after=T&assigned_before=T`` (with ``assignee``) is exactly that
    # assignment — the link of its 站内消息.
    assigned = django_filters.DateTimeFromToRangeFilter(
        label="分配时间",
        field_name="assigned_at",
        widget=DateTimeRangeWidget(),
    )

    class Meta:
        model = CallbackTask
        fields = [
            "q",
            "branch",
            "batch",
            "business_type",
            "status",
            "assignee",
            "rule",
            "overdue",
            "deadline",
            "appointment",
            "created",
            "assigned",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["branch"].queryset = Branch.objects.restrict(user, "view").order_by("path")
            # Read when the form is drawn, not for every count (the home page builds several).
            agents = CallableChoiceIterator(lambda: assignee_choices(user))
            self.form.fields["assignee"].widget = forms.Select(choices=agents)
            rules = CallableChoiceIterator(rule_code_choices)
            self.form.fields["rule"].widget = forms.Select(choices=rules)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer__investor_code__startswith=value) | Q(customer__name__startswith=value)
        )

    def in_branch(self, queryset: QuerySet, name: str, value: Branch | None) -> QuerySet:
        if value is None:
            return queryset
        return in_subtree(queryset, "branch", value)  # the row's own branch_id, no join

    def in_batch(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every task the batch touched: created by it or merged into by it.

        The number is resolved to the batch id first, so the links are read through the
        (batch, task) unique index and the tasks by primary key. A task has one link per
        batch, so the list's default order (newest task first) is the links' task ids
        backwards: the first page is read off that index without sorting the batch (the
        ``id IN (…)`` form gathered all of a big batch's ids first)."""
        value = value.strip()
        if not value:
            return queryset
        batch_id = Batch.objects.filter(number=value).values_list("pk", flat=True).first()
        if batch_id is None:
            return queryset.none()
        linked = queryset.filter(links__batch_id=batch_id)
        query = queryset.query
        if query.default_ordering and not query.order_by and query.get_meta().ordering == ["-id"]:
            linked = linked.order_by("-links__task_id")
        return linked

    def in_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        if value == OPEN:
            return queryset.filter(open_flag=True)  # one equality: index (open_flag, id)
        return queryset.filter(status=value)

    def for_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == ME:
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee=user) if user else queryset.none()
        if value == NOBODY:
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        agent_id = User.objects.filter(username=value).values_list("pk", flat=True).first()
        return queryset.filter(assignee_id=agent_id) if agent_id else queryset.none()

    def with_rule(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(Exists(TaskRule.objects.filter(task=OuterRef("pk"), code=value)))

    def is_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        late = overdue_q()
        return queryset.filter(late) if value else queryset.exclude(late)


class BatchFilterSet(FilterSet):
    number = django_filters.CharFilter(label="批次号", lookup_expr="startswith")
    business_type = django_filters.ModelChoiceFilter(
        label="回访业务类型", queryset=BusinessType.objects.all()
    )
    created_at = django_filters.DateFromToRangeFilter(
        label="创建时间",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Batch
        fields = ["number", "business_type", "created_at"]


class BusinessTypeFilterSet(FilterSet):
    name = django_filters.CharFilter(label="名称", lookup_expr="icontains")

    class Meta:
        model = BusinessType
        fields = ["name", "is_active"]


class AbsenceFilterSet(FilterSet):
    """离岗登记 (the 分配设置 page shows the current and coming ones: ``current=true``)."""

    agent = django_filters.CharFilter(label="回访专员（用户名）", field_name="agent__username")
    on = django_filters.DateFilter(label="离岗日期（含当天）", method="filter_on")
    current = django_filters.BooleanFilter(label="当前及以后的离岗", method="filter_current")

    class Meta:
        model = AgentAbsence
        fields = ["agent", "on", "current"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)

    def filter_current(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        return queryset.filter(ends_on__gte=today) if value else queryset.filter(ends_on__lt=today)
