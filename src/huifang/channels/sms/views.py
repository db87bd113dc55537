"""短信 pages: 短信记录 (scoped, filtered, exported), 短信模板 (with a live preview of the
rendered length and billed parts), 退订名单, and the send actions of the task page, the
record form and the task list. Every write calls ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from huifang.callbacks.filtersets import TaskFilterSet
from huifang.callbacks.models import CallbackTask
from huifang.channels.sms import jobs, services
from huifang.channels.sms.filtersets import MessageFilterSet, OptOutFilterSet, TemplateFilterSet
from huifang.channels.sms.forms import OptOutForm, TemplateForm
from huifang.channels.sms.models import SmsMessage, SmsOptOut, SmsTemplate
from huifang.channels.sms.tables import MessageTable, OptOutTable, TemplateTable
from huifang.core.jobs import start_job
from huifang.core.redirects import next_url
from huifang.core.scoping import has_model_perm
from huifang.core.views import ObjectListView, style_form


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# ---------------------------------------------------------------- messages


class MessageListView(ObjectListView):
    model = SmsMessage
    queryset = SmsMessage.objects.select_related("customer", "branch", "template", "created_by")
    filterset_class = MessageFilterSet
    table_class = MessageTable
    title = "短信记录"
    export_name = "sms_messages"


# ---------------------------------------------------------------- templates


class TemplateListView(ObjectListView):
    model = SmsTemplate
    filterset_class = TemplateFilterSet
    table_class = TemplateTable
    title = "短信模板"
    export_name = "sms_templates"
    actions_template = "sms/_template_actions.html"


def template_edit(request, pk: int | None = None):
    action = "change" if pk else "add"
    if not has_model_perm(request.user, SmsTemplate, action):
        raise PermissionDenied("您没有维护短信模板的权限")
    instance = get_object_or_404(SmsTemplate, pk=pk) if pk else None
    form = TemplateForm(request.POST or None, instance=instance)
    style_form(form)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.do_save_template(
                SmsTemplate.objects.get(pk=pk) if pk else None,
                form.cleaned_data,
                actor=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, f"已保存短信模板 {saved}")
            return redirect("sms:template_list")
    text = form["text"].value() or ""
    signature = form["signature"].value() or ""
    return render(
        request,
        "sms/template_form.html",
        {
            "form": form,
            "title": f"编辑短信模板 {instance}" if instance else "新建短信模板",
            "preview": services.preview(text, signature),
        },
    )


def template_preview(request):
    """The live preview (htmx): the text rendered with example data, length and parts."""
    if not has_model_perm(request.user, SmsTemplate, "view"):
        raise PermissionDenied("您没有查看短信模板的权限")
    data = request.POST if request.method == "POST" else request.GET
    return render(
        request,
        "sms/_preview.html",
        {"preview": services.preview(data.get("text", ""), data.get("signature", ""))},
    )


# ---------------------------------------------------------------- opt-out


class OptOutListView(ObjectListView):
    model = SmsOptOut
    queryset = SmsOptOut.objects.select_related("created_by")
    filterset_class = OptOutFilterSet
    table_class = OptOutTable
    title = "退订名单"
    export_name = "sms_opt_outs"
    actions_template = "sms/_optout_actions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["optout_form"] = OptOutForm()
        return context


@require_POST
def optout_add(request):
    if not has_model_perm(request.user, SmsOptOut, "add"):  # refused before the form says why
        raise PermissionDenied("您没有登记短信退订的权限")
    form = OptOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写手机号")
    else:
        try:
            services.do_opt_out(
                form.cleaned_data["mobile"], form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, "已登记退订")
    return redirect("sms:optout_list")


@require_POST
def optout_remove(request, pk: int):
    entry = get_object_or_404(SmsOptOut.objects.restrict(request.user, "view"), pk=pk)
    services.do_opt_in(entry, actor=request.user)
    messages.success(request, "已取消退订")
    return redirect("sms:optout_list")


# ---------------------------------------------------------------- sending


def _template(request) -> SmsTemplate | None:
    pk = request.POST.get("template", "")
    return SmsTemplate.objects.filter(pk=pk, enabled=True).first() if pk.isdigit() else None


@require_POST
def send_task(request, task_pk: int):
    """发送短信 for one task (the task page, the record form)."""
    if not has_model_perm(request.user, SmsMessage, "add"):  # refused before the form says why
        raise PermissionDenied("您没有发送短信的权限")
    task = get_object_or_404(CallbackTask.objects.restrict(request.user, "view"), pk=task_pk)
    back = next_url(request, "callbacks:task_detail", task.pk)
    template = _template(request)
    if template is None:
        messages.error(request, "请选择短信模板")
        return redirect(back)
    try:
        result = services.do_queue(
            task, template, force=request.POST.get("force") == "1", actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        if result.queued or result.held:
            messages.success(request, result.summary())
        else:
            messages.warning(request, "未发送：" + result.summary())
    return redirect(back)


def send_bulk(request):
    """批量发送短信 from the task list: the ticked tasks, or every task matching the list's
    filter (``matching=1``); asks for the template, then runs as a background job."""
    if request.method != "POST":
        return redirect("callbacks:task_list")
    if not has_model_perm(request.user, SmsMessage, "add"):
        raise PermissionDenied("您没有发送短信的权限")
    matching = request.POST.get("matching") == "1"
    ids = [int(i) for i in request.POST.getlist("pk") if i.isdigit()]
    visible = CallbackTask.objects.restrict(request.user, "view")
    if matching:
        filterset = TaskFilterSet(
            QueryDict(request.POST.get("filter", "")), queryset=visible, request=request
        )
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，无法发送")
            return redirect("callbacks:task_list")
        count = filterset.qs.order_by().count()
    else:  # only the ticked tasks the user may see: the count confirmed is what is sent
        ids = list(visible.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        count = len(ids)
    if not count:
        messages.error(request, "没有符合筛选条件的回访任务" if matching else "请先勾选回访任务")
        return redirect("callbacks:task_list")
    template = _template(request)
    if request.POST.get("confirmed") == "1" and template is not None:
        job = start_job(
            jobs.KIND,
            f"批量发送短信：{template}（{count} 条任务）",
            jobs.SendParams(
                template=template.pk,
                tasks=[] if matching else ids,
                filter=request.POST.get("filter", "") if matching else None,
                force=request.POST.get("force") == "1",
            ),
            user=request.user,
        )
        return redirect("core:job_detail", pk=job.pk)
    if request.POST.get("confirmed") == "1":
        messages.error(request, "请选择短信模板")
    return render(
        request,
        "sms/send_bulk.html",
        {
            "title": "批量发送短信",
            "count": count,
            "ids": ids,
            "matching": matching,
            "filter": request.POST.get("filter", ""),
            "templates": SmsTemplate.objects.filter(enabled=True).order_by("code"),
        },
    )
