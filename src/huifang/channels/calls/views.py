"""外呼 pages: the 外呼记录 list (filters, totals, export), 推送外呼名单 from the filtered
task list (confirmation, then the file), importing a result file and the result mapping.
Every write calls ``services``; every read starts from ``restrict``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.services import is_hq
from huifang.channels.calls import services
from huifang.channels.calls.choices import CallResult
from huifang.channels.calls.filtersets import CallFilterSet, MappingFilterSet, PushFilterSet
from huifang.channels.calls.forms import CallImportForm, MappingForm
from huifang.channels.calls.models import CallAttempt, CallPush, ResultMapping
from huifang.channels.calls.tables import (
    PICKED,
    CallTable,
    InterfaceCallTable,
    MappingTable,
    PushTable,
    push_filters,
)
from huifang.core.choices import choice_label
from huifang.core.exporter import export_exclude
from huifang.core.scoping import has_model_perm
from huifang.core.views import ObjectListView, style_form

# The query parameter of the 外呼记录 export in the interface format.
INTERFACE = "interface"


class CallListView(ObjectListView):
    model = CallAttempt
    queryset = CallAttempt.objects.select_related("customer", "branch")
    filterset_class = CallFilterSet
    table_class = CallTable
    title = "外呼记录"
    export_name = "calls"
    template_name = "calls/call_list.html"
    table_pagination = {"per_page": 100}

    def export(self, fmt: str):
        """导出 writes the page's columns; 导出接口格式 (``_format=interface``) writes
        ``interfaces.md``'s, as ``huifang export calls`` does, for re-import."""
        if self.request.GET.get("_format") == INTERFACE:
            self.table_class = InterfaceCallTable
            self.export_name = "calls_interface"
            self.title = "外呼记录（接口格式）"
        return super().export(fmt)

    def get_table_kwargs(self):
        if self.exporting and self.table_class is InterfaceCallTable:
            return {"exclude": export_exclude(InterfaceCallTable)}  # the contract's columns
        return super().get_table_kwargs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.object_list.order_by()
        by_result = dict(
            rows.values_list("result").annotate(n=Count("id")).values_list("result", "n")
        )
        sums = rows.aggregate(
            total=Count("id"), seconds=Sum("duration_seconds"), recorded=Count("record")
        )
        context["totals"] = {
            "total": sums["total"],
            "recorded": sums["recorded"],
            "seconds": sums["seconds"] or 0,
            "results": [
                (choice_label(CallResult, r), by_result.get(r, 0)) for r in CallResult.values
            ],
        }
        return context


# ---------------------------------------------------------------- push


def _tasks_filter(request, data: QueryDict) -> TaskFilterSet:
    return TaskFilterSet(
        data,
        queryset=CallbackTask.objects.restrict(request.user, "view"),
        request=request,
    )


def push(request):
    """推送外呼名单 for the task list's filter, or for the tasks ticked on it (``pk``): GET
    asks (how many open tasks), POST pushes and leads to the push's page with its file."""
    if not request.user.has_perm("calls.add_callpush"):
        raise PermissionDenied("您没有推送外呼名单的权限")
    data = (request.POST if request.method == "POST" else request.GET).copy()
    if request.method == "POST":
        data = QueryDict(data.get("filter", ""), mutable=True)
        data.setlist("pk", request.POST.getlist("pk"))
    picked = sorted({int(pk) for pk in data.getlist("pk") if pk.isdigit()})
    data.pop("pk", None)
    query = data.urlencode()
    filterset = _tasks_filter(request, QueryDict(query))
    if not filterset.is_valid():
        messages.error(request, "筛选条件有误，无法推送")
        return redirect("callbacks:task_list")
    tasks = filterset.qs.filter(status__in=("new", "in_progress"))
    if picked:
        tasks = tasks.filter(pk__in=picked)
    if request.method == "POST":
        # A push of ticked tasks says so where its filter is shown (push_filters).
        filters = f"{query}&{PICKED}={len(picked)}".lstrip("&") if picked else query
        try:
            done = services.do_push(tasks, actor=request.user, filters=filters)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
            return redirect(reverse("callbacks:task_list") + (f"?{query}" if query else ""))
        messages.success(request, f"已推送外呼名单 {done.count} 条")
        return redirect("calls:push_detail", pk=done.pk)
    return render(
        request,
        "calls/push_confirm.html",
        {
            "title": "推送外呼名单",
            "count": tasks.order_by().count(),
            "filter": query,
            "picked": picked,
        },
    )


class PushListView(ObjectListView):
    """外呼名单: every push, for those who read them all (HQ, the auditor)."""

    model = CallPush
    queryset = CallPush.objects.select_related("created_by")
    filterset_class = PushFilterSet
    table_class = PushTable
    title = "外呼名单"
    export_name = "call_lists"


def _mine(request, push: CallPush) -> bool:
    return push.created_by_id is not None and push.created_by_id == request.user.pk


def _push(request, pk: int) -> CallPush:
    """A push its maker sees, and whoever reads every push (HQ, the auditor)."""
    found = get_object_or_404(CallPush.objects.all(), pk=pk)
    if not (_mine(request, found) or has_model_perm(request.user, CallPush, "view")):
        raise Http404("未找到")
    return found


def may_download(request, push: CallPush) -> bool:
    """The file holds full phone numbers: its maker or HQ only, never a reader (auditor)."""
    return _mine(request, push) or is_hq(request.user)


def push_detail(request, pk: int):
    found = _push(request, pk)
    return render(
        request,
        "calls/push_detail.html",
        {
            "title": f"外呼名单 #{found.pk}",
            "push": found,
            "filters": push_filters(found.filters),
            "may_download": may_download(request, found),
        },
    )


def push_download(request, pk: int):
    found = _push(request, pk)
    if not may_download(request, found):
        raise PermissionDenied("外呼名单文件含客户完整手机号，仅推送人和总部合规管理员可以下载")
    path = Path(found.file)
    if not found.file or not path.is_file():
        raise Http404("文件不存在")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


# ---------------------------------------------------------------- import


def call_import(request):
    if not has_model_perm(request.user, CallAttempt, "add"):
        raise PermissionDenied("您没有导入外呼结果的权限")
    form = CallImportForm(request.POST or None, request.FILES or None)
    style_form(form)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{suffix}"
            with open(path, "wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                counts = services.do_import_calls(path, actor=request.user)
            except ValidationError as exc:
                problems = exc.messages
            else:
                messages.success(
                    request,
                    f"已导入 {counts['rows']} 行：新增 {counts['created']} 条外呼记录，"
                    f"跳过已有 {counts['skipped']} 条，登记回访记录 {counts['records']} 条",
                )
                return redirect("calls:call_list")
    return render(
        request,
        "calls/call_import.html",
        {"title": "导入外呼结果", "form": form, "problems": problems},
    )


# ---------------------------------------------------------------- mapping


class MappingListView(ObjectListView):
    model = ResultMapping
    queryset = ResultMapping.objects.select_related("failure_reason")
    filterset_class = MappingFilterSet
    table_class = MappingTable
    title = "外呼结果映射"
    export_name = "call_mappings"


def mapping_edit(request, pk: int):
    if not request.user.has_perm("calls.change_resultmapping"):
        raise PermissionDenied("您没有维护外呼结果映射的权限")
    stored = get_object_or_404(ResultMapping.objects.all(), pk=pk)
    form = MappingForm(request.POST or None, instance=ResultMapping.objects.get(pk=pk))
    style_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_save_mapping(stored, form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已保存“{stored.get_result_display()}”的处理方式")
            return redirect("calls:mapping_list")
    return render(
        request,
        "core/form.html",
        {
            "title": f"外呼结果映射 · {stored.get_result_display()}",
            "form": form,
            "back_url": "calls:mapping_list",
        },
    )
