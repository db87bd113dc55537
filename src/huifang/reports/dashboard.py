"""汇总统计: the dashboard page. Numbers come from ``figures``; this module only gathers them
for the template and the charts (``static/reports/dashboard.js``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import CallbackRecord
from huifang.core.scoping import has_model_perm
from huifang.org.models import Branch
from huifang.reports import figures
from huifang.reports.forms import DashboardFilterForm


def _bars(bars: list[figures.Bar]) -> dict:
    return {
        "labels": [b.label for b in bars],
        "values": [b.value for b in bars],
        "urls": [b.url for b in bars],
    }


def chart_data(user, filters: figures.Filters, agents, burndown) -> dict:
    """What the charts draw; ``agents`` None when the user may not see records."""
    data: dict = {}
    if agents is not None:
        data["reasons"] = _bars(figures.failure_reasons(user, filters))
        data["channels"] = _bars(figures.channels(user, filters))
        data["daily"] = _bars(figures.daily(user, filters))
        data["agents"] = {
            "labels": [a.name for a in agents],
            "attempts": [a.attempts.value for a in agents],
            "successes": [a.successes.value for a in agents],
            "attempt_urls": [a.attempts.url for a in agents],
            "success_urls": [a.successes.url for a in agents],
        }
    if burndown is not None:
        data["burndown"] = {
            "days": burndown.days,
            "remaining": burndown.remaining,
            "ideal": burndown.ideal,
            "url": burndown.open_now.url,
        }
    return data


def _allowed(user) -> None:
    if not has_model_perm(user, CallbackTask, "view"):
        raise PermissionDenied("您没有查看回访任务的权限")


def gather(user, filters: figures.Filters, day) -> dict:
    """The page's tables (and what its charts draw), as its export writes them too."""
    show_records = has_model_perm(user, CallbackRecord, "view")
    burndown = figures.burndown(user, filters, day)
    agents = figures.agents(user, filters) if show_records else None
    counted = figures.branch_counts(user, filters, day)  # one pass: 合计 and 按部门
    return {
        "filters": filters,
        "total": figures.totals(user, filters, day, counted),
        "branch_rows": figures.by_branch(user, filters, day, counted),
        "batch_rows": figures.by_batch(user, filters, day)[:50],
        "type_rows": figures.by_business_type(user, filters, day),
        "rule_rows": figures.by_rule(user, filters, day),
        "show_records": show_records,
        "agent_rows": agents or [],
        "agent_total": figures.agents_total(user, filters) if show_records else None,
        "burndown": burndown,
        "chart_data": chart_data(user, filters, agents, burndown),
    }


@require_safe
def dashboard(request):
    user = request.user
    _allowed(user)
    form = DashboardFilterForm(request.GET or None, user=user)
    context = {
        "title": "汇总统计",
        "form": form,
        "completion_text": figures.COMPLETION_RATE_TEXT,
        "success_text": figures.SUCCESS_RATE_TEXT,
        "columns": [label for _, label, _ in figures.TASK_COLUMNS],
        "today": timezone.localdate(),
        "agent_limit": figures.AGENT_ROWS,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "reports/dashboard.html", context)
    filters = form.filters() if form.is_bound else figures.Filters()
    context.update(gather(user, filters, timezone.localdate()))
    context["compliance_url"] = compliance_url(filters)
    query = request.GET.urlencode()
    context["export_url"] = reverse("reports:dashboard_export") + (f"?{query}" if query else "")
    return render(request, "reports/dashboard.html", context)


@require_safe
def dashboard_export(request):
    """导出 of the page: one workbook, a sheet per table, under the page's filters (and the
    export's 导出说明: who, when, which filters), through the one exporter (audited)."""
    from huifang.core.exporter import Exporter

    user = request.user
    _allowed(user)
    form = DashboardFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"筛选条件有误，无法导出：{errors}")
        return redirect(reverse("reports:dashboard") + f"?{request.GET.urlencode()}")
    filters = form.filters() if form.is_bound else figures.Filters()
    tables = gather(user, filters, timezone.localdate())
    exporter = Exporter(
        None,
        model=CallbackTask,
        name="dashboard",
        title="汇总统计（回访进度）",
        filters=figures.describe_filters(filters) or "全部",
    )
    return exporter.book_response(figures.workbook_sheets(tables))


@require_safe
def dashboard_compliance(request):
    """The dashboard's 合规核查 card: each check's finding count, with its page's link. Its
    own request (htmx, on the page's load), so the figures are drawn without waiting."""
    if not has_model_perm(request.user, CallbackTask, "view"):
        raise PermissionDenied("您没有查看回访任务的权限")
    # The page's 部门 (in the user's scope) narrows the card as it narrows the figures above;
    # the checks have no batch or business type, and their own sense of a period.
    wanted = request.GET.get("branch", "")
    branch = (
        Branch.objects.restrict(request.user, "view").filter(pk=int(wanted)).first()
        if wanted.isdigit()
        else None
    )
    return render(
        request,
        "reports/_compliance_card.html",
        {
            "compliance": compliance_counts(request.user, branch),
            "branch": branch,
            "narrowed": request.GET.get("narrowed") == "1",
        },
    )


def compliance_url(filters: figures.Filters) -> str:
    """The 合规核查 card's own request: the page's 部门, and whether other filters are set
    (the card says it does not follow them)."""
    params = {}
    if filters.branch:
        params["branch"] = filters.branch.pk
    if filters.date_from or filters.date_to or filters.batch or filters.business_type:
        params["narrowed"] = 1
    url = reverse("reports:dashboard_compliance")
    return f"{url}?{urlencode(params)}" if params else url


def compliance_counts(user, branch=None) -> list:
    """Each compliance check's finding count (of ``branch``'s subtree when given)."""
    from huifang.reports import compliance

    return compliance.counts(user, branch=branch)
