"""Pages of 合规核查: the list of checks with their counts, and one check's findings with
filters (统计期间, 部门, 投资者代码), export and 创建管理措施 per finding."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from huifang.callbacks.models import CallbackTask
from huifang.core.exporter import Exporter, ExportError
from huifang.core.filtersets import describe_form, within_dates
from huifang.core.scoping import has_model_perm
from huifang.core.views import style_form
from huifang.core.widgets import DateInput
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.reports import compliance
from huifang.reports.models import Measure
from huifang.reports.views import create_url


class FindingFilterForm(forms.Form):
    start = forms.DateField(
        label="期间起", required=False, validators=[within_dates], widget=DateInput()
    )
    end = forms.DateField(
        label="期间止", required=False, validators=[within_dates], widget=DateInput()
    )
    branch = forms.ModelChoiceField(
        label="部门", queryset=Branch.objects.none(), required=False, empty_label="全部"
    )
    q = forms.CharField(label="投资者代码", required=False, max_length=32)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.restrict(user, "view").order_by("path")
        style_form(self)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("期间的开始日期不能晚于结束日期")
        return data


def _allowed(request) -> None:
    if not has_model_perm(request.user, CallbackTask, "view"):
        raise PermissionDenied("您没有查看合规核查的权限")


def filtered(check: compliance.Check, user, data: dict) -> Sequence[compliance.Finding]:
    """The check's findings under the form's filters, narrowed in SQL (a lazy list: its
    length is a COUNT, a page reads its rows, iterating streams them all)."""
    period = compliance.Period(data.get("start"), data.get("end"))
    return check.findings(user, period, data.get("branch"), (data.get("q") or "").strip())


def _who(findings) -> tuple[dict[str, str], dict[int, str]]:
    """投资者名称 by investor code and 部门 by id for one page of findings (two queries)."""
    codes = {f.investor_code for f in findings}
    names = dict(
        Customer.objects.filter(investor_code__in=codes).values_list("investor_code", "name")
    )
    ids = {f.branch_id for f in findings if f.branch_id is not None}
    branches = dict(Branch.objects.filter(pk__in=ids).values_list("pk", "name"))
    return names, branches


PAGE_HEADER = ["检查项", "投资者代码", "投资者名称", "部门", "任务", "说明"]
WHO_CHUNK = 1000  # findings named at a time by an export (two queries each)


def page_sheet(findings: Iterable[compliance.Finding]) -> tuple[list[str], Iterable[list]]:
    """A check page's export: the page's columns (投资者名称 and 部门 too), under 检查项;
    streamed, the names read for ``WHO_CHUNK`` findings at a time."""

    def cells() -> Iterator[list]:
        found = iter(findings)
        while chunk := list(islice(found, WHO_CHUNK)):
            names, branches = _who(chunk)
            for f in chunk:
                yield [
                    f.check,
                    f.investor_code,
                    names.get(f.investor_code, ""),
                    branches.get(f.branch_id, ""),
                    f"#{f.task_id}" if f.task_id else "",  # as the page links it
                    f.note,
                ]

    return PAGE_HEADER, cells()


@require_safe
def index(request):
    _allowed(request)
    return render(
        request,
        "reports/compliance_index.html",
        {
            "title": "合规核查",
            "checks": compliance.counts(request.user),
        },
    )


@require_safe
def check_page(request, name: str):
    _allowed(request)
    if name not in compliance.REGISTRY:
        raise Http404("没有该检查项")
    check = compliance.get(name)
    if not check.visible_to(request.user):
        raise PermissionDenied("您没有查看筛选命中的权限")
    form = FindingFilterForm(request.GET or None, user=request.user)
    valid = not form.is_bound or form.is_valid()
    rows = (
        filtered(check, request.user, form.cleaned_data if form.is_bound else {}) if valid else []
    )
    fmt = request.GET.get("_export")
    if fmt in ("csv", "xlsx") and valid:
        exporter = Exporter(
            page_sheet,
            queryset=rows,
            name=f"compliance_{name}",
            title=f"合规核查 · {check.title}",
            filters=describe_form(form) if form.is_bound else None,
        )
        try:
            return exporter.response(fmt)
        except ExportError:
            pass
    can_add = has_model_perm(request.user, Measure, "add")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    names, branches = _who(page.object_list)
    items = [
        {
            "finding": f,
            "name": names.get(f.investor_code, ""),
            "branch": branches.get(f.branch_id, ""),
            "create": create_url(
                customer=f.investor_code, task=f.task_id, finding=f.key, reason=f.note
            )
            if can_add
            else "",
        }
        for f in page.object_list
    ]
    return render(
        request,
        "reports/compliance_check.html",
        {
            "title": f"合规核查 · {check.title}",
            "check": check,
            "form": form,
            "page": page,
            "items": items,
            "count": len(rows),
        },
    )
