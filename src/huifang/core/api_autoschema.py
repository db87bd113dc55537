"""The schema class of the REST API (``DEFAULT_SCHEMA_CLASS``): drf-spectacular's, with
each list operation's ordering and paging written into its description, read from the
code that orders it, so the documented order is the order the list answers in."""

from __future__ import annotations

import re

from django.core.exceptions import FieldDoesNotExist
from django_filters import BooleanFilter
from drf_spectacular.drainage import get_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_serializer
from rest_framework import pagination


def list_ordering(view, paginator=None) -> list[str]:
    """The order a list endpoint answers in, as its code decides it: a cursor paginator's
    ``ordering`` (which replaces any other), else the viewset's queryset's ``order_by``,
    else the model's ``Meta.ordering``. ``-`` before a field: descending."""
    paginator = paginator or (view.pagination_class() if view.pagination_class else None)
    if isinstance(paginator, pagination.CursorPagination):
        ordering = paginator.ordering
        return [ordering] if isinstance(ordering, str) else list(ordering)
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        return []
    return [str(field) for field in queryset.query.order_by or queryset.model._meta.ordering]


def _label(model, path: str) -> str:
    """``-called_at`` → ``called_at（回访时间）倒序``: the field's verbose name, followed
    across relations (``run__number``)."""
    name = path.lstrip("-")
    label = None
    current = model
    for part in name.split("__"):
        try:
            field = current._meta.get_field("id" if part == "pk" else part)
        except (FieldDoesNotExist, AttributeError):
            label = None
            break
        label = str(getattr(field, "verbose_name", part))
        current = getattr(field, "related_model", None)
    words = f"{name}（{label}）" if label and label != name else f"{name} "
    return words + ("倒序" if path.startswith("-") else "升序")


def ordering_sentence(view, paginator=None) -> str:
    """The ordering and paging of a list, in Chinese, for its OpenAPI description."""
    fields = list_ordering(view, paginator)
    if not fields:
        return ""
    model = view.queryset.model if getattr(view, "queryset", None) is not None else None
    order = "，".join(_label(model, field) if model else field for field in fields)
    paginator = paginator or (view.pagination_class() if view.pagination_class else None)
    if isinstance(paginator, pagination.CursorPagination):
        paging = (
            f"游标分页：每页 {paginator.page_size} 条（page_size 至多 {paginator.max_page_size}），"
            "next / previous 为前后页的地址"
        )
    elif isinstance(paginator, pagination.PageNumberPagination):
        paging = f"页码分页：page=N，每页 {paginator.page_size} 条"
    else:
        paging = "不分页"
    return f"排序：{order}（固定，不随参数改变）；{paging}。"


class HuifangSchema(AutoSchema):
    """``DEFAULT_SCHEMA_CLASS``: a list operation's description ends with its ordering and
    paging (:func:`ordering_sentence`), read from the code that orders it; and a response
    keeps its serializer's example where the operation gives examples only for its request
    (drf-spectacular otherwise drops the serializer's)."""

    def _get_examples(self, serializer, direction, media_type, status_code=None, extras=None):
        found = super()._get_examples(serializer, direction, media_type, status_code, extras)
        if found or direction != "response" or not is_serializer(serializer):
            return found
        own = get_override(serializer, "examples", [])
        if not own:
            return found
        extras = [*(extras or []), *(e for e in own if not e.request_only)]
        return super()._get_examples(serializer, direction, media_type, status_code, extras)

    def _get_parameters(self):
        """Each parameter with an example (:func:`parameter_example`), unless the operation
        gives its own."""
        parameters = super()._get_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters if filterset is not None else {}
        queryset = getattr(self.view, "queryset", None)
        model = queryset.model if queryset is not None else None
        for parameter in parameters:
            if "example" in parameter or "examples" in parameter:
                continue
            example = parameter_example(parameter, filters.get(parameter["name"]), model)
            if example is not None:
                parameter["example"] = example
        return parameters

    def get_description(self):
        description = super().get_description() or ""
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            if self._is_list_view():
                sentence = ordering_sentence(self.view, self._get_paginator())
                if sentence and sentence not in description:
                    description = f"{description}\n\n{sentence}".strip()
        return description


# Parameter examples (issue 20: every parameter carries one). A value of the form the
# parameter takes, by its schema first (a choice, a flag, a date), else by its name; a name
# whose meaning differs between lists (``code``, ``q``) is told apart by the list's model.
DATE_EXAMPLE = "2025-12-31"
DATETIME_EXAMPLE = "2025-12-31T09:30:00+08:00"
# DRF's cursor for "skip the first 100" (``o=100``), the second page at the default size:
# a real cursor, so a client that tries it gets the next page, not an error.
CURSOR_EXAMPLE = "bz0xMDA="
TEXT_EXAMPLES: dict[str, str | dict[str | None, str]] = {
    "investor_code": "0000012345",
    "branch": "010101",
    "number": "1000000001",
    "batch": "1000000001",
    "rule": "A001",
    "code": {
        None: "010101",
        "rules.rule": "A001",
        "surveys.invitation": "INVWOV4VL5ZAAWM6NU7",
    },
    "q": {
        None: "0000012345",
        "org.branch": "010101",
        "org.user": "张三",
        "rules.rule": "A001",
        "sms.smstemplate": "回访提醒",
        "surveys.questionnaire": "QN-ANNUAL",
        "core.auditevent": "年度适当性回访",
    },
    "agent": "010101_agent1",
    "user__username": "hq_admin",
    "assignee": "7",
    "name": {
        None: "年度适当性回访",
        "records.failurereason": "无人接听",
        "reports.measuretype": "风险提示",
        "automation.plan": "年度回访计划",
    },
    "file_name": "客户资料_20251231.xlsx",
    "occupation": "教师",
    "income_source": "工资收入",
    "kind": "customers.import",
    "action": "update",
    "object_type": "rules.rule",
    "age_min": "60",
    "age_max": "70",
    "id": "1",
}
NUMBER_EXAMPLES = {"year": 2025, "page_size": 100, "new": 2, "risk_level": 1}


def _text_example(name: str, model) -> str | None:
    found = TEXT_EXAMPLES.get(name)
    if isinstance(found, dict):
        label = model._meta.label_lower if model is not None else None
        return found.get(label, found[None])
    return found


def parameter_example(parameter: dict, filter_field=None, model=None):
    """An example for one OpenAPI parameter that its schema accepts: a choice filter's first
    choice (as stored), ``true`` for a flag, a date, a number within bounds, else a value of
    the right form by name (codes are text with their leading zeros). ``None``: none known."""
    schema = parameter.get("schema", {})
    name = parameter["name"]
    kind = schema.get("type")
    if schema.get("enum"):
        allowed = [value for value in schema["enum"] if value is not None]
        choices = getattr(filter_field, "extra", {}).get("choices") if filter_field else None
        if choices and not callable(choices):
            stored = [value for value, _ in choices if value in allowed]
            if stored:
                return stored[0]
        return allowed[0] if allowed else None
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return DATE_EXAMPLE
    if schema.get("format") == "date-time":
        return DATETIME_EXAMPLE
    if kind in ("integer", "number"):
        value = NUMBER_EXAMPLES.get(name, 1)
        value = max(value, schema.get("minimum", value))
        return min(value, schema.get("maximum", value))
    if kind == "string":
        if name == "cursor":
            return CURSOR_EXAMPLE
        if isinstance(filter_field, BooleanFilter):
            return "true"
        text = _text_example(name, model)
        if text is not None and re.search(schema.get("pattern", ""), text):
            return text
    return None
