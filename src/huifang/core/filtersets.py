"""The FilterSet every list, export and API filters through, and the core app's own.

:class:`FilterSet` makes any query string safe to filter by: a number outside what its
column (or its input's ``min``/``max``) can hold, a date outside :data:`EARLIEST` ..
:data:`LATEST`, or an id too long for the database is a form error in Chinese, never a
database error. Pages show the error next to the filter and list no rows (never a list that pretends to be
filtered); the API answers 400.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters_api

from huifang.core.audit import action_choices
from huifang.core.jobs import kind_choices
from huifang.core.models import REJECTED_LABEL, AuditEvent, Job

# The portable integer ranges (SQLite's backend reports none and overflows instead).
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
BIGINT = INTEGER_RANGES["BigIntegerField"]
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)

# "Any" first: django-filter's own yes/no select offers 未知/是/否, "未知" meaning "any".
YES_NO_ANY = [("", "全部"), ("true", "是"), ("false", "否")]


class PinnedInput(forms.HiddenInput):
    """A filter a link sets, not the filter bar (营业部反馈 of one task: ``?task=12``). The
    list shows it as a chip, ``chip`` with the value (``任务 #{}`` → 任务 #12), with a ✕
    that clears it; 查询, paging and export keep it."""

    def __init__(self, chip: str, attrs=None):
        super().__init__(attrs)
        self.chip = chip


def pinned(label: str, chip: str) -> django_filters.NumberFilter:
    """A numeric filter set by a link (a task's or a run's id), shown as a chip."""
    return django_filters.NumberFilter(label=label, widget=PinnedInput(chip))


def pinned_chips(filterset, query) -> list[dict]:
    """The hidden (pinned) filters in use, each ``{"name", "text", "clear"}``: its chip's
    text and the query string without it (and without the page number)."""
    if filterset is None or not filterset.is_bound:
        return []
    filterset.is_valid()  # cleans the form once
    cleaned = getattr(filterset.form, "cleaned_data", {})
    chips = []
    for field in filterset.form.hidden_fields():
        value = cleaned.get(field.name)
        if value in (None, ""):
            continue
        if isinstance(value, Decimal | float) and value == int(value):
            value = int(value)
        widget = field.field.widget
        text = widget.chip.format(value) if isinstance(widget, PinnedInput) else None
        rest = query.copy()
        rest.pop(field.name, None)
        rest.pop("page", None)
        chips.append(
            {
                "name": field.name,
                "text": text or f"{field.label}：{value}",
                "clear": rest.urlencode(),
            }
        )
    return chips


def within_dates(value) -> None:
    """A date (or date-time) between :data:`EARLIEST` and :data:`LATEST`."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(day, datetime.date) and not EARLIEST <= day <= LATEST:
        raise ValidationError(
            f"日期须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间", code="date_out_of_range"
        )


def digits_within(low: int, high: int):
    """A validator for a text filter that also takes a numeric id: digits must fit."""

    def validate(value: str) -> None:
        text = (value or "").strip()
        if text.isascii() and text.isdigit() and not low <= int(text) <= high:
            raise ValidationError(f"编号须在 {low} 至 {high} 之间", code="id_out_of_range")

    return validate


class BoundedModelChoiceField(filter_fields.ModelChoiceField):
    """An id too large for the database is an invalid choice, not an overflow."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError as exc:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


def _model_field(model, path: str):
    """The model field a filter's ``field_name`` ends at (a relation's target column)."""
    field = None
    for part in path.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model
    if field is not None and field.is_relation and field.target_field is not None:
        field = field.target_field
    return field


def _number_range(model, flt, attrs: dict) -> tuple[int | Decimal, int | Decimal]:
    """The widget's own ``min``/``max`` if it has them, else the column's integer range,
    else a 64-bit integer's."""
    low, high = BIGINT
    field = _model_field(model, flt.field_name) if model is not None and not flt.method else None
    if field is not None:
        low, high = INTEGER_RANGES.get(field.get_internal_type(), BIGINT)
    if "min" in attrs:
        low = Decimal(str(attrs["min"]))
    if "max" in attrs:
        high = Decimal(str(attrs["max"]))
    return low, high


def _add(field: forms.Field, *validators) -> None:
    for validator in validators:
        if validator not in field.validators:
            field.validators.append(validator)


def _bound(field: forms.Field, model, flt, attrs: dict | None = None) -> None:
    """Give ``field`` (and a range's parts) the validators its kind needs."""
    attrs = {**(attrs or {}), **field.widget.attrs}
    if isinstance(field, forms.MultiValueField):
        for part in field.fields:
            _bound(part, model, flt, attrs)
        return
    if isinstance(field, forms.DateField | forms.DateTimeField):
        _add(field, within_dates)
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        low, high = _number_range(model, flt, attrs)
        _add(field, MinValueValidator(low), MaxValueValidator(high))


def _name_parts(field: forms.Field) -> None:
    """A range's inputs share one visible label, which Django ties to none of them (it is
    the group's legend): each input is named for itself, 〈label〉（起） and 〈label〉（止）."""
    if isinstance(field.widget, forms.MultiWidget) and field.label:
        for part, end in zip(field.widget.widgets, ("起", "止"), strict=False):
            part.attrs.setdefault("aria-label", f"{field.label}（{end}）")


class FilterSet(django_filters.FilterSet):
    """Base of every FilterSet: bad query strings are form errors, never server errors, and
    the model's yes/no fields are offered as 全部/是/否."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {
            "filter_class": django_filters.BooleanFilter,
            "extra": lambda field: {"widget": forms.Select(choices=YES_NO_ANY)},
        },
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for flt in self.filters.values():
            if (
                isinstance(flt, django_filters.ModelChoiceFilter)
                and flt.field_class is filter_fields.ModelChoiceField
            ):
                flt.field_class = BoundedModelChoiceField
                flt.__dict__.pop("_field", None)  # built with the old class: rebuild

    def get_form_class(self):
        for flt in self.filters.values():
            _bound(flt.field, self._meta.model, flt)
            _name_parts(flt.field)
        return super().get_form_class()


class ApiFilterSet(FilterSet, filters_api.FilterSet):
    """The base of the FilterSets the API builds from a viewset's ``filterset_fields``."""


class FilterBackend(filters_api.DjangoFilterBackend):
    """The API's filter backend (``DEFAULT_FILTER_BACKENDS``): invalid filters are a 400
    with the FilterSet's Chinese messages, ad-hoc FilterSets get the same guards."""

    filterset_base = ApiFilterSet


def object_type_choices() -> list[tuple[str, str]]:
    """The project's models by their Chinese names (what audit rows are about). Unmanaged
    models (汇总统计's counters, written by database triggers) are never an audit row's
    object and have no Chinese name: they are left out."""
    kinds = {
        model._meta.label_lower: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model.__module__.startswith("huifang.") and model._meta.managed
    }
    return sorted(kinds.items(), key=lambda item: item[1])


class AuditEventFilterSet(FilterSet):
    time = django_filters.DateFromToRangeFilter(
        label="时间",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    action = django_filters.ChoiceFilter(label="动作", choices=action_choices)
    object_type = django_filters.ChoiceFilter(label="对象类型", choices=object_type_choices)
    user__username = django_filters.CharFilter(label="操作人用户名")
    q = django_filters.CharFilter(label="搜索", method="search")

    class Meta:
        model = AuditEvent
        fields = ["time", "action", "object_type", "user__username"]

    def search(self, queryset, name, value):
        return queryset.filter(object_repr__icontains=value) | queryset.filter(
            message__icontains=value
        )


class AuditPageFilterSet(AuditEventFilterSet):
    """审计日志's page: one 动作 option per Chinese name. Codes the apps declare with the
    same name (修改: update and change; 分配任务: assign and task_assign) showed as two
    identical options, each finding only part of the rows; the option now finds them all.
    The API keeps filtering by the exact code."""

    action = django_filters.ChoiceFilter(
        label="动作", choices=action_choices, method="same_named_action"
    )

    @property
    def form(self):
        form = super().form
        field = form.fields["action"]
        seen: set[str] = set()
        shown = []
        for code, label in field.choices:
            if label not in seen:
                seen.add(label)
                shown.append((code, label))
        field.widget.choices = shown
        return form

    def same_named_action(self, queryset, name, value):
        labels = dict(action_choices())
        same = [code for code, label in labels.items() if label == labels[value]]
        return queryset.filter(action__in=same)


class JobFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=Job.Status.choices)
    kind = django_filters.CharFilter(label="类型")

    class Meta:
        model = Job
        fields = ["status", "kind"]


# The page's statuses: 已拒绝 apart from 失败 (the API filters by the stored status and says
# ``rejected`` in each job).
PAGE_JOB_STATUSES = [*Job.Status.choices, ("rejected", REJECTED_LABEL)]


class JobPageFilterSet(JobFilterSet):
    """后台任务's page: 类型 is chosen by its Chinese name (a text box asked for the code,
    rules.screen, that the page never shows). The API keeps taking any code."""

    kind = django_filters.ChoiceFilter(label="类型", choices=kind_choices)
    status = django_filters.ChoiceFilter(
        label="状态", choices=PAGE_JOB_STATUSES, method="by_status"
    )

    def by_status(self, queryset, name, value):
        """失败 is a real failure; 已拒绝 a refused input (both stored ``failed``)."""
        if value == "rejected":
            return queryset.rejected()
        if value == Job.Status.FAILED:
            return queryset.failed_not_rejected()
        return queryset.filter(status=value)


# --- what a filter reads like ----------------------------------------------------------


def describe(filterset: django_filters.FilterSet) -> str:
    """The filters of a bound ``filterset`` as the page shows them, one
    ``〈label〉：〈value〉`` per filter in use, joined by ``；``: a choice by its option's
    label, a branch by its code and name, dates as YYYY-MM-DD, yes/no as 是/否
    (``处理状态：未处理；营业部：0101 北京分公司``). Keys that are no filter (paging, sorting,
    ``_export``) and filters left empty or invalid are not mentioned."""
    if not filterset.is_bound:
        return ""
    filterset.is_valid()  # cleans the form once
    cleaned = getattr(filterset.form, "cleaned_data", {})
    parts = []
    for name, flt in filterset.filters.items():
        field = filterset.form.fields.get(name)
        if field is None or isinstance(flt, django_filters.OrderingFilter):
            continue
        text = _value_text(field, cleaned.get(name))
        if text:
            parts.append(f"{field.label or flt.label or name}：{text}")
    return "；".join(parts)


def describe_form(form: forms.Form) -> str:
    """A plain filter form's values (a page without a FilterSet: a 合规核查 check) as
    :func:`describe` writes a FilterSet's; "" when the form is unbound or invalid."""
    if not form.is_bound or not form.is_valid():
        return ""
    parts = []
    for name, field in form.fields.items():
        text = _value_text(field, form.cleaned_data.get(name))
        if text:
            parts.append(f"{field.label or name}：{text}")
    return "；".join(parts)


def _value_text(field: forms.Field, value) -> str:
    if value is None or value == "" or value == [] or value == ():
        return ""
    if isinstance(value, slice):
        return _range_text(field, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, models.Model):
        label = getattr(field, "label_from_instance", str)
        return str(label(value))
    if isinstance(value, models.QuerySet | list | tuple):
        return "、".join(filter(None, (_value_text(field, item) for item in value)))
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _choice_label(field, str(value).strip())


def _range_text(field: forms.Field, value: slice) -> str:
    """``2026-01-01 至 2026-01-31``, ``2026-01-01 起`` or ``至 2026-01-31``."""

    def end(point) -> str:
        if point is None:
            return ""
        if isinstance(field, filter_fields.DateRangeField) and isinstance(point, datetime.datetime):
            # Whole days: django-filter widens a date range to 00:00 … 23:59:59.999999.
            local = timezone.localtime(point) if timezone.is_aware(point) else point
            return local.date().isoformat()
        return _value_text(field, point)

    start, stop = end(value.start), end(value.stop)
    if start and stop:
        return f"{start} 至 {stop}"
    return f"{start} 起" if start else (f"至 {stop}" if stop else "")


def _choice_label(field: forms.Field, value: str) -> str:
    """The label of the option ``value`` in the field's (or its select widget's) choices;
    the value itself when it is no option (a typed username)."""
    choices = getattr(field, "choices", None) or getattr(field.widget, "choices", None) or ()
    for key, label in choices:
        if isinstance(label, list | tuple):  # an option group
            for sub_key, sub_label in label:
                if str(sub_key) == value:
                    return str(sub_label)
        elif str(key) == value:
            return str(label)
    return value
