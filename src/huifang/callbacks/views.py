"""回访任务管理 pages: batches (加入回访名单), the task list with bulk actions, task
detail, business types. Every write calls ``services``; every read starts from
``restrict``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from huifang.callbacks import distribution, jobs, numbers, services, task_sections
from huifang.callbacks.filtersets import (
    ME,
    BatchFilterSet,
    BusinessTypeFilterSet,
    TaskFilterSet,
)
from huifang.callbacks.forms import (
    AssignForm,
    BatchCreateForm,
    BusinessTypeForm,
    CancelForm,
    DistributeForm,
)
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
from huifang.callbacks.tables import BatchTable, BusinessTypeTable, TaskTable
from huifang.core.audit_display import describe_all
from huifang.core.jobs import start_job
from huifang.core.models import AuditEvent
from huifang.core.people import person_text
from huifang.core.scoping import get_for, has_model_perm
from huifang.core.views import ObjectDetailView, ObjectListView
from huifang.org.models import Role, User

# ---------------------------------------------------------------- tasks


# The bulk sends later apps add to the task list's buttons (their permission names, so
# callbacks need not import them): an agent who may send them ticks tasks too.
BULK_SEND_PERMISSIONS = ("sms.add_smsmessage", "surveys.send_invitation")


class TaskListView(ObjectListView):
    model = CallbackTask
    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    )
    filterset_class = TaskFilterSet
    table_class = TaskTable
    title = "回访任务"
    export_name = "callback_tasks"
    actions_template = "callbacks/_task_actions.html"
    template_name = "callbacks/task_list.html"

    def get_filterset_kwargs(self, filterset_class):
        """Agents land on their own open tasks ("my tasks" first). 回访专员 = 我的任务 stays
        an agent's filter whatever else is filtered until the agent chooses another (全部:
        ``assignee=``) — the form shows it, the export and 全选符合条件 use it."""
        kwargs = super().get_filterset_kwargs(filterset_class)
        if self._agent_default():
            kwargs["data"] = {"assignee": ME, "status": "open"}
        elif self._agent_mine():
            data = self.request.GET.copy()
            data["assignee"] = ME
            kwargs["data"] = data
        return kwargs

    def _agent_mine(self) -> bool:
        """An agent's query that does not say whose tasks: theirs."""
        is_agent = getattr(self.request.user, "role", "") == Role.AGENT
        return is_agent and "assignee" not in self.request.GET

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if not self._may_bulk():  # no bulk actions to select for
            kwargs["exclude"] = [*kwargs.get("exclude", []), "selection"]
        if self.request.GET.get("assignee") == ME or self._agent_default():
            kwargs.setdefault("order_by", "appointment_at")  # "my tasks": 改约 first
        return kwargs

    def _may_bulk(self) -> bool:
        """Any bulk action on ticked tasks: managing them, or a later app's bulk send
        (短信, 下发问卷) the user may do."""
        user = self.request.user
        return services.may_manage_tasks(user) or any(
            user.has_perm(perm) for perm in BULK_SEND_PERMISSIONS
        )

    def _agent_default(self) -> bool:
        """An agent's landing page: no filter asked for (paging, sorting and exporting
        it are still the landing page, so its export has its rows)."""
        asked = set(self.request.GET) - {"page", "sort", "_export", "_count"}
        return not asked and getattr(self.request.user, "role", "") == Role.AGENT

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = services.may_manage_tasks(self.request.user)
        context["can_bulk"] = self._may_bulk()
        # What "every task matching the filter" means to the bulk page: the filter alone
        # (an agent's 我的任务 included, as the rows were filtered).
        query = self.request.GET.copy()
        if self._agent_mine():
            query["assignee"] = ME
        for key in ("page", "per_page", "sort", "cols", "_export", "_count"):
            query.pop(key, None)
        context["filter_query"] = query.urlencode()
        return context


class TaskDetailView(ObjectDetailView):
    model = CallbackTask
    queryset = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    )
    template_name = "callbacks/task_detail.html"
    context_object_name = "task"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task: CallbackTask = self.object
        user = self.request.user
        context.update(
            title=f"回访任务 #{task.pk} · {task.customer.investor_code} {task.customer.name}",
            links=TaskBatch.objects.filter(task=task)
            .select_related("batch", "batch__business_type")
            .order_by("batch__number"),
            rules=task.rules.order_by("code"),
            history=describe_all(
                AuditEvent.objects.filter(
                    object_type=CallbackTask._meta.label_lower, object_id=str(task.pk)
                )
                .select_related("user")
                .order_by("time", "id")
            ),
            overdue=task.is_overdue(),
            task_sections=task_sections.sections_for(self.request, task),
            can_start=task.status == "new"
            and CallbackTask.objects.restrict(user, "change").filter(pk=task.pk).exists(),
            **numbers.context(user, task),
        )
        return context


@require_POST
def task_numbers(request, pk: int):
    """显示号码 (htmx): the assigned agent reads the customer's numbers in full, audited and
    rate-limited; everyone else 403 (404 out of scope). Without htmx, a page of its own."""
    task = get_object_or_404(
        CallbackTask.objects.restrict(request.user, "view").select_related("customer"), pk=pk
    )
    if not services.may_reveal_numbers(request.user, task):
        raise PermissionDenied("只有该任务的回访专员可以在任务处理完成前查看号码")
    context = {"task": task, **numbers.context(request.user, task)}
    throttle = numbers.RevealThrottle()
    status = 200
    if throttle.allow_request(request, None):
        revealed = services.do_reveal_numbers(task, actor=request.user)
        context.update(task_numbers=numbers.shown(task, revealed), numbers_revealed=True)
    else:
        context["numbers_message"] = throttle.message()
        status = 429
    if request.htmx:
        return render(request, "callbacks/_task_numbers.html", context, status=status)
    context["title"] = f"回访任务 #{task.pk} · 显示号码"
    return render(request, "callbacks/task_numbers.html", context, status=status)


def task_start(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    task = get_for(
        request.user,
        CallbackTask.objects.all(),
        "change",
        message="您没有处理回访任务的权限",
        pk=pk,
    )
    try:
        services.do_start(task, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "任务已开始处理")
    return redirect("callbacks:task_detail", pk=pk)


BULK_ACTIONS = {
    "assign": ("分配给回访专员", AssignForm),
    "distribute": ("平均分配给营业部的回访专员", DistributeForm),
    "cancel": ("取消任务", CancelForm),
}


BULK_LISTED = 50  # the tasks a bulk confirmation names; "等 N 条" beyond


def task_bulk(request):
    """Bulk assign / auto-distribute / cancel the selected tasks.

    The list posts the selection here: the ticked ``pk``s, or ``matching=1`` with the
    list's ``filter`` — every task matching it (through the same FilterSet) that the user
    may change. This page says how many tasks that is and asks for the agent, branch or
    reason; its own POST (``confirmed``, with the ``expected`` number) performs it on
    exactly that many tasks, all or nothing.
    """
    if request.method != "POST":
        return redirect("callbacks:task_list")
    if not services.may_manage_tasks(request.user):
        raise PermissionDenied("您没有分配或取消回访任务的权限")
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, "未知的批量操作")
        return redirect("callbacks:task_list")
    matching = request.POST.get("matching") == "1"
    if matching:
        filterset = TaskFilterSet(
            QueryDict(request.POST.get("filter", "")),
            queryset=CallbackTask.objects.restrict(request.user, "change"),
            request=request,
        )
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，无法批量操作")
            return redirect(_back_url(request))
        selection, ids = filterset.qs, []
        count = in_scope = selection.order_by().count()
    else:
        ids = [i for i in request.POST.getlist("pk") if i.isdigit()]
        selection = ids
        count = len(ids)
        in_scope = CallbackTask.objects.restrict(request.user, "change").filter(pk__in=ids).count()
    if not count:
        messages.error(request, "没有符合筛选条件的回访任务" if matching else "请先勾选回访任务")
        return redirect(_back_url(request))
    label, form_class = BULK_ACTIONS[action]
    shown = selection if matching else CallbackTask.objects.filter(pk__in=ids)
    listed = list(
        shown.filter(pk__in=CallbackTask.objects.restrict(request.user, "view").values("pk"))
        .select_related("customer", "assignee")
        .order_by("pk")[:BULK_LISTED]
    )
    confirmed = request.POST.get("confirmed") == "1"
    form = form_class(request.POST if confirmed else None, actor=request.user)
    if confirmed and form.is_valid():
        expected = request.POST.get("expected", "")
        try:
            text = _perform_bulk(
                action,
                selection,
                form.cleaned_data,
                request.user,
                int(expected) if expected.isdigit() else None,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, text)
            return redirect(_back_url(request))
    return render(
        request,
        "callbacks/task_bulk.html",
        {
            "title": label,
            "action": action,
            "form": form,
            "ids": ids,
            "matching": matching,
            "filter": request.POST.get("filter", ""),
            "count": count,
            "in_scope": in_scope,
            "listed": listed,
            "next": _back_url(request),
        },
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限"


def _back_url(request) -> str:
    nxt = request.POST.get("next", "")
    return nxt if nxt.startswith(reverse("callbacks:task_list")) else reverse("callbacks:task_list")


def _perform_bulk(action: str, selection, data: dict, actor, expected: int | None) -> str:
    if action == "assign":
        done = services.do_assign(selection, data["agent"], actor=actor, expected=expected)
        who = person_text(data["agent"])
        if not done.changed:
            return f"所选 {done.unchanged} 条任务已由 {who} 负责，未做修改"
        text = f"已将 {done.changed} 条任务分配给 {who}"
        return text + (f"；{done.unchanged} 条原本已由其负责，未做修改" if done.unchanged else "")
    if action == "distribute":
        done = distribution.do_auto_distribute(
            selection, data["branch"], actor=actor, expected=expected
        )
        named = set(done.shares) | set(done.away)
        people = {u.username: person_text(u) for u in User.objects.filter(username__in=named)}
        parts = "，".join(
            f"{people.get(name, name)} {n} 条" for name, n in sorted(done.shares.items())
        )
        text = f"已平均分配 {done.count} 条任务（{done.mode_label}）：{parts}"
        if done.away:
            text += "；离岗未分配：" + "、".join(people.get(n, n) for n in done.away)
        return text
    count = services.do_cancel(selection, data["reason"], actor=actor, expected=expected)
    return f"已取消 {count} 条任务"


# ---------------------------------------------------------------- batches


class BatchListView(ObjectListView):
    model = Batch
    queryset = Batch.objects.select_related("business_type", "created_by")
    filterset_class = BatchFilterSet
    table_class = BatchTable
    title = "回访批次"
    export_name = "callback_batches"
    actions_template = "callbacks/_batch_actions.html"


class BatchDetailView(ObjectDetailView):
    model = Batch
    queryset = Batch.objects.select_related("business_type", "created_by")
    template_name = "callbacks/batch_detail.html"
    context_object_name = "batch"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch: Batch = self.object
        tasks = CallbackTask.objects.restrict(self.request.user, "view").filter(links__batch=batch)
        by_status = dict(
            tasks.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        total = sum(by_status.values())
        done = total - by_status.get("new", 0) - by_status.get("in_progress", 0)
        # ``assignee=``: every task of the batch, for an agent too (not only 我的任务).
        tasks_url = reverse("callbacks:task_list") + f"?batch={batch.number}&assignee="
        # Each count opens the list of exactly those tasks (as 回访进度's do).
        rows = [
            (label, by_status.get(value, 0), f"{tasks_url}&status={value}")
            for value, label in CallbackTask._meta.get_field("status").choices
        ]
        context.update(
            title=f"回访批次 {batch.number}",
            status_rows=rows,
            total=total,
            done=done,
            percent=int(done * 100 / total) if total else 0,
            overdue=tasks.overdue().count(),
            tasks_url=tasks_url,
        )
        return context


def batch_create(request):
    """加入回访名单: pick a frozen run and a business type; the batch is made by a job."""
    if not has_model_perm(request.user, Batch, "add"):
        raise PermissionDenied("您没有创建回访批次的权限")
    initial = {"run": request.GET.get("run")} if request.GET.get("run") else None
    form = BatchCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        run, business_type = form.cleaned_data["run"], form.cleaned_data["business_type"]
        existing = services.existing_batch(run, business_type)
        if existing is not None:
            messages.info(
                request,
                f"该筛选已按“{business_type.name}”加入过回访名单（批次 {existing.number}），"
                "未新建任务",
            )
            return redirect("callbacks:batch_detail", pk=existing.pk)
        job = start_job(
            jobs.KIND,
            f"加入回访名单：筛选 #{run.pk}（{business_type.name}）",
            jobs.CreateBatchParams(
                run=run.pk,
                business_type=business_type.pk,
                distribute=form.cleaned_data["distribute"],
            ),
            user=request.user,
        )
        return redirect("core:job_detail", pk=job.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "加入回访名单",
            "submit_label": "加入回访名单",
            "back_url": "callbacks:batch_list",
        },
    )


# ---------------------------------------------------------------- business types


class BusinessTypeListView(ObjectListView):
    model = BusinessType
    queryset = BusinessType.objects.select_related("updated_by")
    filterset_class = BusinessTypeFilterSet
    table_class = BusinessTypeTable
    title = "回访业务类型"
    export_name = "business_types"
    actions_template = "callbacks/_businesstype_actions.html"


def businesstype_edit(request, pk: int | None = None):
    action = "change" if pk else "add"
    if not has_model_perm(request.user, BusinessType, action):
        raise PermissionDenied("您没有维护回访业务类型的权限")
    instance = get_object_or_404(BusinessType, pk=pk) if pk else None
    form = BusinessTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.do_save_business_type(
                BusinessType.objects.get(pk=pk) if pk else None,
                form.cleaned_data,
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存回访业务类型 {saved.name}")
            return redirect("callbacks:businesstype_list")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"编辑回访业务类型 {instance.name}" if instance else "新建回访业务类型",
            "back_url": "callbacks:businesstype_list",
        },
    )
