"""分配设置: each branch's 分配方式, who is on duty today, and 离岗登记 (writes through
``callbacks.distribution``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from huifang.callbacks import distribution, services
from huifang.callbacks.choices import DistributionMode
from huifang.callbacks.forms import AbsenceForm
from huifang.callbacks.models import AgentAbsence, BranchDistribution
from huifang.core.scoping import has_model_perm
from huifang.org.models import Branch, User


def distribution_settings(request):
    user = request.user
    # The page lists the agents and who is away: for those who see users (managers, HQ,
    # auditors), not for agents.
    if not (
        has_model_perm(user, BranchDistribution, "view") and has_model_perm(user, User, "view")
    ):
        raise PermissionDenied("您没有查看分配设置的权限")
    can_manage = services.may_manage_tasks(user)
    form = AbsenceForm(actor=user)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("您没有维护分配设置的权限")
        form, done = _post(request, form)
        if done:
            return redirect("callbacks:distribution")
    return render(
        request,
        "callbacks/distribution.html",
        {"title": "分配设置", "can_manage": can_manage, "form": form, **_overview(user)},
    )


def _post(request, form: AbsenceForm) -> tuple[AbsenceForm, bool]:
    """Perform the posted change; the form back (with its errors) and whether it was done."""
    user, what = request.user, request.POST.get("what", "")
    try:
        if what == "mode":
            branch = get_object_or_404(
                Branch.objects.restrict(user, "view"), pk=_int(request.POST.get("branch"))
            )
            mode = request.POST.get("mode", "")
            distribution.do_set_mode(branch, mode, actor=user)
            messages.success(request, f"{branch.name} 的分配方式已改为“{_label(mode)}”")
            return form, True
        if what == "absence":
            form = AbsenceForm(request.POST, actor=user)
            if not form.is_valid():
                return form, False
            data = form.cleaned_data
            distribution.do_add_absence(
                data["agent"], data["starts_on"], data["ends_on"], data["reason"], actor=user
            )
            messages.success(request, f"已登记 {data['agent'].display_name} 离岗")
            return form, True
        if what == "end":
            absence = get_object_or_404(
                AgentAbsence.objects.restrict(user, "view").select_related("agent"),
                pk=_int(request.POST.get("absence")),
            )
            distribution.do_end_absence(absence, actor=user)
            messages.success(request, f"{absence.agent.display_name} 今天起在岗")
            return form, True
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return form, what != "absence"
    messages.error(request, "未知的操作")
    return form, True


def _int(value) -> int:
    return int(value) if str(value or "").isdigit() else 0


def _label(mode: str) -> str:
    return DistributionMode(mode).label if mode in DistributionMode.values else mode


def _overview(user) -> dict:
    today = timezone.localdate()
    modes = dict(BranchDistribution.objects.restrict(user, "view").values_list("branch_id", "mode"))
    agents = list(services.agents_in_scope(user))
    load = distribution.open_load(agents)
    away = {
        a.agent_id: a
        for a in AgentAbsence.objects.filter(
            agent__in=[a.pk for a in agents], starts_on__lte=today, ends_on__gte=today
        )
    }
    branches = []
    for branch in Branch.objects.restrict(user, "view").filter(is_active=True).order_by("path"):
        mine = [a for a in agents if a.branch_id == branch.pk]
        branches.append(
            {
                "branch": branch,
                "mode": modes.get(branch.pk, DistributionMode.LEAST_LOADED),
                "agents": len(mine),
                "on_duty": sum(1 for a in mine if a.pk not in away),
            }
        )
    return {
        "today": today,
        "modes": DistributionMode.choices,
        "branches": branches,
        "agents": [{"agent": a, "open": load.get(a.pk, 0), "away": away.get(a.pk)} for a in agents],
        "absences": AgentAbsence.objects.restrict(user, "view")
        .filter(ends_on__gte=today)
        .select_related("agent", "agent__branch", "created_by")
        .order_by("starts_on", "agent__username"),
    }
