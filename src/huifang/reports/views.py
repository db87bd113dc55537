"""Pages of 管理措施: the list (overdue highlighted, export), create (prefilled from a task, a
record, a follow-up or a compliance finding), detail with status changes, edit, attachments;
the restriction list and the 措施类型 dictionary. Views are thin: scope from ``restrict``,
writes through ``services``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core import audit
from huifang.core.audit_actions import CoreAction
from huifang.core.models import AuditEvent
from huifang.core.scoping import has_model_perm
from huifang.core.views import ObjectListView
from huifang.customers.models import Customer
from huifang.reports import compliance, services
from huifang.reports.choices import TRANSITIONS, MeasureStatus
from huifang.reports.filtersets import (
    MeasureFilterSet,
    MeasureTypeFilterSet,
    RestrictionFilterSet,
)
from huifang.reports.forms import MeasureForm, MeasureTypeForm, StatusForm
from huifang.reports.models import Measure, MeasureAttachment, MeasureType
from huifang.reports.restrictions import RestrictionTable, restricted, sheet
from huifang.reports.tables import MeasureTable, MeasureTypeTable, source_text

RELATED = ("customer", "branch", "measure_type", "responsible")


class MeasureListView(ObjectListView):
    model = Measure
    queryset = Measure.objects.select_related(*RELATED)
    filterset_class = MeasureFilterSet
    table_class = MeasureTable
    title = "管理措施"
    export_name = "measures"


class RestrictionListView(ObjectListView):
    """限制名单: customers with an open 限制开仓 / 限制出金 / 重新适当性评估 measure."""

    model = Measure
    queryset = restricted(Measure.objects.select_related(*RELATED))
    filterset_class = RestrictionFilterSet
    table_class = RestrictionTable
    title = "限制名单"
    export_name = "restrictions"

    def get_exporter(self):
        """The fixed format of ``restrictions.sheet`` (the same as the command's file)."""
        from huifang.core.exporter import Exporter
        from huifang.core.views import EXPORT_LIMIT

        return Exporter(
            sheet,
            self.get_filterset(self.get_filterset_class()),
            name=self.export_name,
            title=self.title,
            limit=EXPORT_LIMIT,
            filters=self.request.GET.urlencode(),
        )


class MeasureTypeListView(ObjectListView):
    model = MeasureType
    filterset_class = MeasureTypeFilterSet
    table_class = MeasureTypeTable
    title = "措施类型字典"
    export_name = "measure_types"
    actions_template = "reports/_type_actions.html"


# ---------------------------------------------------------------- create


SOURCE_KEYS = ("customer", "task", "record", "feedback", "finding")


def _params(request):
    """Where the sources are named: the query string, and the form's hidden fields once
    posted (so the form posts to its own plain address)."""
    return request.POST if request.method == "POST" else request.GET


def _get(request, model, key: str, **lookup):
    """The source object named by ``key``, within the user's scope (else 404)."""
    value = (_params(request).get(key) or "").strip()
    if not value:
        return None
    if not value.isdigit() and key != "customer":
        raise Http404("来源不存在")
    return get_object_or_404(model.objects.restrict(request.user, "view"), **{lookup["by"]: value})


def _sources(request) -> dict:
    """The customer and the source links the page was opened with (``?customer=CODE``,
    ``?task=ID``, ``?record=ID``, ``?feedback=ID``, ``?finding=TEXT``)."""
    task = _get(request, CallbackTask, "task", by="pk")
    record = _get(request, CallbackRecord, "record", by="pk")
    feedback = _get(request, BranchFeedback, "feedback", by="pk")
    customer = _get(request, Customer, "customer", by="investor_code")
    if record is not None:
        task = task or record.task
    if feedback is not None:
        task = task or feedback.task
    if customer is None and task is not None:
        customer = task.customer
    if customer is None:
        raise Http404("请从客户、回访任务、回访记录、营业部反馈或合规核查页面创建管理措施")
    return {
        "customer": customer,
        "task": task,
        "record": record,
        "feedback": feedback,
        "finding": (_params(request).get("finding") or "").strip()[:200],
    }


def _reason_of(sources: dict) -> str:
    """措施原因 prefilled from the record or feedback the measure is created from (a finding
    or an abnormal answer passes its own ``reason``); the user edits it before saving."""
    record, feedback = sources["record"], sources["feedback"]
    if record is not None:
        when = timezone.localtime(record.called_at)
        status = record.get_status_display()
        if record.failure_reason_id:
            status += f"：{record.failure_reason.name}"
        text = (
            f"回访记录 #{record.pk}（{when:%Y-%m-%d %H:%M} {record.get_method_display()} {status}）"
        )
        return (f"{text}：{record.remark}" if record.remark else text)[:500]
    if feedback is not None:
        return f"营业部反馈 #{feedback.pk}：{feedback.message}"[:500]
    return ""


def measure_create(request):
    if not has_model_perm(request.user, Measure, "add"):
        raise PermissionDenied("您没有登记管理措施的权限")
    sources = _sources(request)
    initial = {"reason": (request.GET.get("reason") or "").strip()[:500] or _reason_of(sources)}
    kind = (request.GET.get("type") or "").strip()
    if kind:
        initial["measure_type"] = MeasureType.objects.filter(name=kind, is_active=True).first()
    form = MeasureForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measure = services.do_create_measure(
                sources["customer"],
                data["measure_type"],
                data["reason"],
                due_date=data["due_date"],
                responsible=data["responsible"],
                task=sources["task"],
                record=sources["record"],
                feedback=sources["feedback"],
                finding=sources["finding"],
                attachments=data["attachments"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已登记管理措施 #{measure.pk}")
            return redirect("reports:measure_detail", measure.pk)
    return render(
        request,
        "reports/measure_form.html",
        {
            "title": "创建管理措施",
            "form": form,
            "customer": sources["customer"],
            "sources": sources,
            "finding_title": compliance.finding_title(sources["finding"]),
            "hidden": {k: _params(request).get(k, "") for k in SOURCE_KEYS},
            "back_url": reverse("reports:measure_list"),
        },
    )


# ---------------------------------------------------------------- one measure


def _measure(request, pk: int, action: str = "view") -> Measure:
    return get_object_or_404(
        Measure.objects.restrict(request.user, action).select_related(
            *RELATED, "task", "record", "feedback", "created_by", "updated_by"
        ),
        pk=pk,
    )


def measure_detail(request, pk: int):
    measure = _measure(request, pk)
    can_change = (
        has_model_perm(request.user, Measure, "change")
        and Measure.objects.restrict(request.user, "change").filter(pk=pk).exists()
    )
    choices = [(s, MeasureStatus(s).label) for s in TRANSITIONS[measure.status]]
    status_form = StatusForm()
    status_form.fields["status"].choices = choices
    events = AuditEvent.objects.filter(
        object_type="reports.measure", object_id=str(measure.pk)
    ).order_by("-id")[:50]
    return render(
        request,
        "reports/measure_detail.html",
        {
            "title": f"管理措施 #{measure.pk}",
            "measure": measure,
            "source": source_text(measure),
            "attachments": measure.attachments.all(),
            "overdue": measure.is_overdue(timezone.localdate()),
            "can_change": can_change,
            "status_form": status_form if can_change and choices else None,
            # Statuses after which nothing can change: choosing one asks first (measure.js).
            "final_statuses": " ".join(s for s, after in TRANSITIONS.items() if not after),
            "events": events,
        },
    )


def measure_edit(request, pk: int):
    if not has_model_perm(request.user, Measure, "change"):
        raise PermissionDenied("您没有修改管理措施的权限")
    measure = _measure(request, pk, "change")
    initial = {
        "measure_type": measure.measure_type,
        "reason": measure.reason,
        "responsible": measure.responsible,
        "due_date": measure.due_date,
        "result": measure.result,
    }
    form = MeasureForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    if not measure.is_open:
        for name in ("measure_type", "reason", "responsible", "due_date"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in initial if k in form.changed_data}
        try:
            services.do_update_measure(
                measure, data, attachments=form.cleaned_data["attachments"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存")
            return redirect("reports:measure_detail", measure.pk)
    return render(
        request,
        "reports/measure_form.html",
        {
            "title": f"修改管理措施 #{measure.pk}",
            "form": form,
            "customer": measure.customer,
            "sources": {},
            "hidden": {},
            "back_url": reverse("reports:measure_detail", args=[measure.pk]),
        },
    )


@require_POST
def measure_status(request, pk: int):
    measure = _measure(request, pk, "change")
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择新的状态")
        return redirect("reports:measure_detail", measure.pk)
    try:
        services.do_change_status(
            measure,
            form.cleaned_data["status"],
            result=form.cleaned_data["result"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"状态已改为“{MeasureStatus(form.cleaned_data['status']).label}”")
    return redirect("reports:measure_detail", measure.pk)


def attachment_download(request, pk: int):
    attachment = get_object_or_404(MeasureAttachment.objects.restrict(request.user, "view"), pk=pk)
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
        raise Http404("附件文件不存在")
    audit.record(CoreAction.DOWNLOAD, attachment.measure, message=f"下载附件 {attachment.name}")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def create_url(**params) -> str:
    """The 创建管理措施 link for a source (``task=…``, ``finding=…`` …)."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse('reports:measure_create')}?{urlencode(clean)}"


# ---------------------------------------------------------------- dictionary


def type_edit(request, pk: int | None = None):
    action = "change" if pk else "add"
    if not has_model_perm(request.user, MeasureType, action):
        raise PermissionDenied("您没有维护措施类型的权限")
    instance = get_object_or_404(MeasureType.objects.all(), pk=pk) if pk else None
    form = MeasureTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            stored = MeasureType.objects.get(pk=pk) if pk else None
            kind = services.do_save_measure_type(stored, form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存措施类型“{kind.name}”")
            return redirect("reports:type_list")
    return render(
        request,
        "core/form.html",
        {
            "title": f"措施类型 · {instance.name}" if instance else "新增措施类型",
            "form": form,
            "back_url": "reports:type_list",
        },
    )
