"""Pages of 回访计划: the list (last run, next occurrence), create/edit, the plan with its
runs, 执行 (run one reference date now) and 审核通过. Thin: scope and permission from the
models' querysets, writes through ``services`` (the long ones in a job with progress)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from huifang.automation import jobs, schedule, services
from huifang.automation.filtersets import PlanFilterSet
from huifang.automation.forms import PlanForm, RunForm
from huifang.automation.models import Plan, PlanRun, PlanRunStatus
from huifang.automation.tables import PlanTable
from huifang.core.jobs import start_job
from huifang.core.scoping import has_model_perm
from huifang.core.views import ObjectListView


class PlanListView(ObjectListView):
    model = Plan
    queryset = Plan.objects.select_related("business_type", "updated_by")
    filterset_class = PlanFilterSet
    table_class = PlanTable
    title = "回访计划"
    export_name = "plans"
    actions_template = "automation/_plan_actions.html"


def _plan(request, pk: int, action: str = "view") -> Plan:
    if not has_model_perm(request.user, Plan, action):
        raise PermissionDenied("您没有访问回访计划的权限")
    return get_object_or_404(
        Plan.objects.restrict(request.user, action).select_related("business_type"), pk=pk
    )


def plan_edit(request, pk: int | None = None):
    action = "change" if pk else "add"
    if not has_model_perm(request.user, Plan, action):
        raise PermissionDenied("您没有维护回访计划的权限")
    instance = _plan(request, pk, "change") if pk else None
    form = PlanForm(request.POST or None, user=request.user, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.do_save_plan(instance, form.plan_data(), actor=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, f"已保存回访计划“{plan.name}”")
            return redirect("automation:plan_detail", pk=plan.pk)
    return render(
        request,
        "core/form.html",
        {
            "title": f"回访计划 · {instance.name}" if instance else "新增回访计划",
            "form": form,
            "back_url": "automation:plan_list",
        },
    )


def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    runs = (
        PlanRun.objects.restrict(request.user, "view")
        .filter(plan=plan)
        .select_related("screening_run", "batch", "started_by", "approved_by")
        .order_by("-occurrence")
    )
    next_day = schedule.next_occurrence(plan)
    return render(
        request,
        "automation/plan_detail.html",
        {
            "title": f"回访计划 · {plan.name}",
            "plan": plan,
            "runs": runs,
            "next_at": schedule.moment(plan, next_day) if next_day else None,
            "notify": plan.notify.order_by("username"),
            "run_form": RunForm(),
            "can_change": has_model_perm(request.user, Plan, "change"),
            "can_run": has_model_perm(request.user, PlanRun, "add"),
            "can_approve": has_model_perm(request.user, PlanRun, "change"),
            "pending": PlanRunStatus.PENDING,
        },
    )


def plan_run(request, pk: int):
    """执行: the date is chosen on the plan's page; this page asks to confirm, then the
    occurrence runs in a job (the claim refuses a date already run)."""
    if not has_model_perm(request.user, PlanRun, "add"):
        raise PermissionDenied("您没有执行回访计划的权限")
    plan = _plan(request, pk)
    form = RunForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("automation:plan_detail", pk=plan.pk)
    on = form.cleaned_data["on"]
    existing = PlanRun.objects.filter(plan=plan, occurrence=on).first()
    if not services.may_run_again(existing):
        messages.error(request, services.taken_message(plan, on))
        return redirect("automation:plan_detail", pk=plan.pk)
    try:
        services.check_reference_date(plan, on)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("automation:plan_detail", pk=plan.pk)
    if not request.POST.get("confirmed"):
        again = "（将重新执行该基准日）" if existing is not None else ""
        return render(
            request,
            "core/confirm.html",
            {
                "title": f"执行回访计划“{plan.name}”",
                "question": (
                    f"按回访基准日 {on:%Y-%m-%d} 执行“{plan.name}”{again}：按规则 {plan.rules_text} "
                    f"筛选，{plan.get_mode_display()}（回访业务类型“{plan.business_type.name}”）。"
                    "确定执行？"
                ),
                "hidden": [("on", f"{on:%Y-%m-%d}")],
                "cancel_url": reverse("automation:plan_detail", args=[plan.pk]),
            },
        )
    job = start_job(
        jobs.RUN,
        f"执行回访计划：{plan.name}（基准日 {on:%Y-%m-%d}）",
        jobs.RunPlanParams(plan=plan.pk, on=on),
        user=request.user,
    )
    return redirect("core:job_detail", pk=job.pk)


def plan_run_approve(request, pk: int):
    """审核通过 a 待审核 run: one confirmation, then the freeze and the batch in a job."""
    if not has_model_perm(request.user, PlanRun, "change"):
        raise PermissionDenied("您没有审核回访计划执行的权限")
    plan_run = get_object_or_404(
        PlanRun.objects.restrict(request.user, "change").select_related("plan", "screening_run"),
        pk=pk,
    )
    back = reverse("automation:plan_detail", args=[plan_run.plan_id])
    if plan_run.status != PlanRunStatus.PENDING:
        messages.error(request, f"该次执行不是待审核状态（{plan_run.get_status_display()}）")
        return redirect(back)
    if request.method == "POST" and request.POST.get("confirmed"):
        job = start_job(
            jobs.APPROVE,
            f"审核通过回访计划：{plan_run}",
            jobs.ApproveParams(plan_run=plan_run.pk),
            user=request.user,
        )
        return redirect("core:job_detail", pk=job.pk)
    run = plan_run.screening_run
    hits = f"筛选 #{run.pk} 命中 {run.hit_count} 位客户" if run else "筛选结果已被清理"
    return render(
        request,
        "core/confirm.html",
        {
            "title": f"审核通过：{plan_run}",
            "question": (
                f"回访计划“{plan_run.plan.name}”基准日 {plan_run.occurrence:%Y-%m-%d}：{hits}。"
                f"审核通过后数据落地，并按“{plan_run.plan.business_type.name}”加入回访名单。确定？"
            ),
            "hidden": [],
            "cancel_url": back,
        },
    )
