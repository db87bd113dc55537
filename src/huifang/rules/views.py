"""Pages of steps 1 and 2: the rule catalogue and its parameters, custom rules,
screening (使用参数生成数据 / 数据落地 / 导出) and the what-if comparison."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from huifang.core.exporter import Exporter
from huifang.core.jobs import start_job
from huifang.core.models import Job
from huifang.core.views import ObjectListView
from huifang.rules import engine, evidence, services
from huifang.rules import params as P
from huifang.rules.completeness import data_gap, newest_daily_date
from huifang.rules.filtersets import HitFilterSet, RuleFilterSet, RunFilterSet
from huifang.rules.forms import CustomRuleForm, PreviewDateForm, RuleParamsForm, ScreeningForm
from huifang.rules.jobs import SCREEN, ScreenParams
from huifang.rules.models import Hit, HitReason, Rule, RuleKind, RunStatus, ScreeningRun
from huifang.rules.preview import preview_custom_rule
from huifang.rules.tables import HitTable, ParamTable, RuleTable, RunTable
from huifang.rules.whatif import compare


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied("您没有执行此操作的权限")


def _rule(request, code: str, action: str = "view") -> Rule:
    _need(request, f"rules.{action}_rule")
    return get_object_or_404(Rule.objects.restrict(request.user, action), code=code)


class RuleListView(ObjectListView):
    model = Rule
    queryset = Rule.objects.select_related("updated_by", "current_version")
    filterset_class = RuleFilterSet
    table_class = RuleTable
    title = "回访规则管理"
    export_name = "rules"
    actions_template = "rules/_rule_actions.html"

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if not self.request.user.has_perm("rules.change_rule"):  # 修改参数值 would be a 403
            kwargs["exclude"] = [*kwargs.get("exclude", []), "action"]
        return kwargs


class ParamListView(RuleListView):
    table_class = ParamTable
    title = "回访规则参数维护"
    export_name = "rule_params"


def rule_detail(request, code: str):
    rule = _rule(request, code)
    versions = rule.versions.select_related("created_by").order_by("-number")
    return render(
        request,
        "rules/rule_detail.html",
        {
            "title": f"{rule.code} {rule.name}",
            "rule": rule,
            "meaning": P.describe(rule.rule_type, rule.params),
            "shown": P.display_params(rule.rule_type, rule.params),
            "versions": versions,
            "used": rule.versions.filter(runs__isnull=False).exists(),
        },
    )


def rule_edit(request, code: str):
    rule = _rule(request, code, "change")
    custom = rule.kind == RuleKind.CUSTOM
    form_class = CustomRuleForm if custom else RuleParamsForm
    form = form_class(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.do_update_rule(
                rule,
                form.cleaned_params,
                name=form.cleaned_data.get("name") if custom else None,
                description=form.cleaned_data.get("description") if custom else None,
                note=form.cleaned_data.get("note", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存 {rule.code} 的参数版本 v{version.number}")
            return redirect("rules:rule_detail", code=rule.code)
    return render(
        request,
        "rules/custom_form.html" if custom else "rules/rule_edit.html",
        {
            "title": f"修改参数值：{rule.code} {rule.name}",
            "rule": rule,
            "form": form,
            "meaning": P.describe(rule.rule_type, rule.params),
        },
    )


@require_POST
def rule_toggle(request, code: str):
    rule = _rule(request, code, "change")
    services.do_set_rule_enabled(rule, not rule.enabled, actor=request.user)
    messages.success(request, f"已{'停用' if rule.enabled else '启用'}规则 {rule.code}")
    return redirect("rules:rule_detail", code=rule.code)


def version_compare(request, code: str):
    rule = _rule(request, code)
    versions = {v.number: v for v in rule.versions.select_related("created_by")}
    numbers = sorted(versions)

    def pick(name, default):
        raw = request.GET.get(name, "")
        return int(raw) if raw.isdigit() and int(raw) in versions else default

    left = pick("a", numbers[-2] if len(numbers) > 1 else numbers[0])
    right = pick("b", numbers[-1])
    a, b = versions[left], versions[right]
    shown_a = P.display_params(rule.rule_type, a.params)
    shown_b = dict((k, v) for k, _l, v in P.display_params(rule.rule_type, b.params))
    rows = [(label, va, shown_b[key], va != shown_b[key]) for key, label, va in shown_a]
    return render(
        request,
        "rules/version_compare.html",
        {
            "title": f"版本对比：{rule.code} {rule.name}",
            "rule": rule,
            "a": a,
            "b": b,
            "rows": rows,
            "numbers": numbers,
            "meaning_a": P.describe(rule.rule_type, a.params),
            "meaning_b": P.describe(rule.rule_type, b.params),
        },
    )


def custom_rule_create(request):
    _need(request, "rules.add_rule")
    form = CustomRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.do_create_custom_rule(
                name=form.cleaned_data["name"],
                description=form.cleaned_data.get("description", ""),
                params=form.cleaned_params,
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新建自定义规则 {rule.code}")
            return redirect("rules:rule_detail", code=rule.code)
    return render(
        request,
        "rules/custom_form.html",
        {"title": "新建自定义规则", "form": form, "rule": None},
    )


@require_POST
def custom_rule_preview(request):
    """htmx: how many customers the conditions being edited hit on the chosen reference date
    (today by default), and the first few (``rules.preview``, as the API's; nothing stored)."""
    _need(request, "rules.add_rule")
    data = request.POST.copy()
    if not data.get("name", "").strip():  # not named yet: the name plays no part here
        data["name"] = "预览"
    form, when = CustomRuleForm(data), PreviewDateForm(data)
    today = timezone.localdate()
    context: dict = {"errors": None, "preview": None, "today": today}
    if form.is_valid() and when.is_valid():
        try:
            context["preview"] = preview_custom_rule(
                form.cleaned_params,
                as_of=when.cleaned_data["preview_as_of"] or today,
                actor=request.user,
            )
        except ValidationError as exc:
            context["errors"] = exc.messages
    else:
        errors = [*form.errors.values(), *when.errors.values()]
        context["errors"] = [e for errs in errors for e in errs]
    return render(request, "rules/_custom_preview.html", context)


def screening(request):
    """回访任务数据: the screening form; submitting starts a job and redirects to this page
    showing its progress (``?job=``), so reloading the page does not screen again."""
    _need(request, "rules.add_screeningrun")
    form = ScreeningForm(request.POST or None, user=request.user)
    job = gap = None
    shown = request.GET.get("job", "")
    if request.method == "GET" and shown.isdigit():
        job = Job.objects.filter(pk=shown, kind=SCREEN, created_by=request.user).first()
        gap = job and data_gap(ScreenParams.from_dict(job.params).as_of)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        gap = data_gap(data["as_of"])
        params = ScreenParams(
            as_of=data["as_of"],
            rules=list(data["rules"]),
            overrides=data["overrides"],
            branches=list(data["branches"]),
            customer_types=list(data["customer_types"]),
            exclude_dormant=data["exclude_dormant"],
        )
        try:  # validate rules and overrides now, so mistakes show on the form
            engine.resolve_rules(data["rules"] or None, data["overrides"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            job = start_job(SCREEN, f"筛选 {data['as_of']:%Y-%m-%d}", params, user=request.user)
            return redirect(f"{reverse('rules:screening')}?job={job.pk}")
    return render(
        request,
        "rules/screening.html",
        {
            "title": "回访任务数据",
            "form": form,
            "job": job,
            "gap": gap,
            "newest_daily": newest_daily_date(),
            "rules": _with_params(Rule.objects.filter(enabled=True)),
        },
    )


def _with_params(rules) -> list[Rule]:
    """The rules with ``shown``: (code, label, current value) of each of their parameters,
    for the screening form's reference table of what 临时参数 can name."""
    rules = list(rules.select_related("current_version"))
    for rule in rules:
        rule.shown = [
            row for row in P.display_params(rule.rule_type, rule.params) if row[0] != "conditions"
        ]
    return rules


class RunListView(ObjectListView):
    model = ScreeningRun
    queryset = ScreeningRun.objects.exclude(status=RunStatus.WHATIF).select_related("created_by")
    filterset_class = RunFilterSet
    table_class = RunTable
    title = "筛选记录"
    export_name = "screening_runs"


class RunDetailView(ObjectListView):
    """One run: its D, filters, rule versions and counts, and its hits (scoped)."""

    model = Hit
    filterset_class = HitFilterSet
    table_class = HitTable
    template_name = "rules/run_detail.html"
    export_name = "screening"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        _need(request, "rules.view_screeningrun")
        self.run = get_object_or_404(
            ScreeningRun.objects.restrict(request.user, "view"), pk=kwargs["pk"]
        )
        self.title = str(self.run)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return Hit.objects.filter(run=self.run).select_related("branch", "run")

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "run": self.run}

    def get_exporter(self) -> Exporter:
        """The brochure's columns with each rule's evidence, not the page's table."""
        run = self.run
        return Exporter(
            lambda hits: evidence.run_rows(run, hits),
            self.get_filterset(self.get_filterset_class()),
            name=f"screening_{run.pk}",
            title=str(run),
            sheet="筛选结果",
            subject=run,
            filters=self.request.GET.urlencode(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hits = self.get_queryset()
        run_rules = list(self.run.run_rules.select_related("version__created_by"))
        for rr in run_rules:
            rr.scoped_count = hits.filter(rule_codes__contains=f",{rr.code},").count()
            rr.shown = P.display_params(rr.rule_type, rr.params)
        empty = [P.empty_period(rr.code, rr.params, self.run.as_of) for rr in run_rules]
        preview = self.run.status == RunStatus.PREVIEW
        context.update(
            run=self.run,
            run_rules=run_rules,
            overrides=P.overrides_text(
                self.run.overrides, {rr.code: rr.rule_type for rr in run_rules}
            ),
            empty_periods=[text for text in empty if text],
            scoped_total=hits.count(),
            # A frozen run shows what was confirmed when it was frozen, not today's data.
            gap=None if self.run.is_frozen else data_gap(self.run.as_of),
            can_freeze=preview and self.request.user.has_perm("rules.change_screeningrun"),
            can_rerun=not self.run.is_whatif
            and self.request.user.has_perm("rules.add_screeningrun"),
        )
        return context


@require_POST
def run_freeze(request, pk: int):
    _need(request, "rules.change_screeningrun")
    run = get_object_or_404(ScreeningRun.objects.restrict(request.user, "change"), pk=pk)
    try:
        services.do_freeze_run(
            run, allow_incomplete=bool(request.POST.get("allow_incomplete")), actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"筛选 #{run.pk} 已数据落地，结果不可再修改")
    return redirect("rules:run_detail", pk=run.pk)


def hit_detail(request, pk: int, hit_pk: int):
    _need(request, "rules.view_hit")
    hit = get_object_or_404(
        Hit.objects.restrict(request.user, "view").select_related("run", "branch"),
        pk=hit_pk,
        run_id=pk,
    )
    types = dict(hit.run.run_rules.values_list("code", "rule_type"))
    names = dict(hit.run.run_rules.values_list("code", "name"))
    reasons = []
    for reason in HitReason.objects.filter(run_id=pk, customer_id=hit.customer_id).order_by(
        "rule_code"
    ):
        rtype = types.get(reason.rule_code, "custom")
        rows = evidence.display(rtype, evidence.reason_dict(reason), hit.run.as_of)
        reasons.append(
            {"code": reason.rule_code, "name": names.get(reason.rule_code, ""), "rows": rows}
        )
    return render(
        request,
        "rules/hit_detail.html",
        {"title": f"命中依据：{hit.investor_code} {hit.name}", "hit": hit, "reasons": reasons},
    )


def _run_choices(runs, *chosen: ScreeningRun) -> list[ScreeningRun]:
    """The recent screenings of record, plus the runs being compared (an older run or a
    what-if is not among the recent ones, and a select must still show it chosen)."""
    recent = list(runs.exclude(status=RunStatus.WHATIF)[:50])
    extra = [r for r in chosen if r is not None and r not in recent]
    return extra + recent


def whatif(request):
    """筛选对比: two runs, or a run against the current parameters (a 对比试算 run made by
    a job: the run's D, filters and rules with today's parameter versions)."""
    _need(request, "rules.view_screeningrun")
    runs = ScreeningRun.objects.restrict(request.user, "view")
    if request.method == "POST":
        _need(request, "rules.add_screeningrun")
        base = get_object_or_404(
            runs.exclude(status=RunStatus.WHATIF), pk=request.POST.get("old") or 0
        )
        job = start_job(
            SCREEN,
            f"当前参数与筛选 #{base.pk} 对比",
            ScreenParams(compare_with=base.pk),
            user=request.user,
        )
        context = {"title": "筛选对比", "job": job, "old_id": str(base.pk)}
        return render(request, "rules/whatif.html", {**context, "runs": _run_choices(runs, base)})
    old_id, new_id = request.GET.get("old", ""), request.GET.get("new", "")
    context: dict = {"title": "筛选对比", "old_id": old_id, "new_id": new_id}
    old = new = None
    if old_id.isdigit() and new_id.isdigit():
        old = get_object_or_404(runs, pk=old_id)
        new = get_object_or_404(runs, pk=new_id)
        context.update(
            compare(
                old,
                new,
                request.user,
                kind=request.GET.get("kind", ""),
                page=request.GET.get("page", "1"),
            )
        )
    context["runs"] = _run_choices(runs, old, new)
    if not old_id and not new_id and len(context["runs"]) >= 2:
        # Opened from the menu: offer the latest screening against the one before it
        # (a run against itself would show no difference).
        context["new_id"], context["old_id"] = (str(r.pk) for r in context["runs"][:2])
    return render(request, "rules/whatif.html", context)


def _today() -> datetime.date:
    return timezone.localdate()
