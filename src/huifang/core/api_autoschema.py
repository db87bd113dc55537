"""The schema class of the REST API (``DEFAULT_SCHEMA_CLASS``): drf-spectacular's, with
each list operation's ordering and paging written into its description, read from the
code that orders it, so the documented order is the order the list answers in."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
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

    def get_description(self):
        description = super().get_description() or ""
        if self.method == "GET" and getattr(self.view, "action", None) == "list":
            if self._is_list_view():
                sentence = ordering_sentence(self.view, self._get_paginator())
                if sentence and sentence not in description:
                    description = f"{description}\n\n{sentence}".strip()
        return description
