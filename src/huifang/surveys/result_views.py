"""问卷结果 pages: the versions with invitations, one version's figures (by channel and by
branch), answer distribution (ECharts), abnormal responses and the export of all answers;
one response's answers. The numbers come from :mod:`huifang.surveys.results`, always over
the viewer's scoped rows."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from huifang.core.exporter import Exporter, ExportError
from huifang.core.scoping import has_model_perm
from huifang.core.views import style_form
from huifang.surveys import results
from huifang.surveys.models import QuestionnaireVersion, Response


def _require_view(request) -> None:
    if not has_model_perm(request.user, Response, "view"):
        raise PermissionDenied("您没有查看问卷结果的权限")


def results_index(request):
    _require_view(request)
    return render(
        request,
        "surveys/results_index.html",
        {"title": "问卷结果", "rows": results.versions_overview(request.user)},
    )


def _version(pk: int) -> QuestionnaireVersion:
    return get_object_or_404(
        QuestionnaireVersion.objects.published().select_related("questionnaire"), pk=pk
    )


def result_detail(request, pk: int):
    """One published version's results under the 批次号 / 部门 / 渠道 filters;
    ``?_export=xlsx|csv`` downloads all answers (one row per submission)."""
    _require_view(request)
    version = _version(pk)
    data = request.GET.copy()
    fmt = data.pop("_export", [None])[-1]
    invitation_filter = results.ResultFilterSet(
        data, queryset=results.scoped_invitations(request.user, version), request=request
    )
    response_filter = results.ResultFilterSet(
        data, queryset=results.scoped_responses(request.user, version), request=request
    )
    if fmt:
        exporter = Exporter(
            results.answers_sheet(version),
            response_filter,
            name=f"survey_{version.questionnaire.code}_v{version.number}",
            title=f"问卷结果 {version.questionnaire.code} 第 {version.number} 版",
            sheet="问卷结果",
            subject=version,
        )
        try:
            return exporter.response(fmt)
        except ExportError as exc:
            messages.error(request, f"无法导出：{exc}")
            return redirect(request.path)
    style_form(invitation_filter.form)
    valid = invitation_filter.is_valid() and response_filter.is_valid()
    invitations = invitation_filter.qs if valid else invitation_filter.queryset.none()
    responses = response_filter.qs if valid else response_filter.queryset.none()
    channels, channel_total = results.by_channel(invitations, responses)
    branches, branch_total = results.by_branch(invitations, responses)
    questions = results.distribution(version, responses)
    abnormal = [
        {"response": r, "questions": results.abnormal_texts(version, r)}
        for r in results.abnormal_responses(responses)
    ]
    query = data.urlencode()
    return render(
        request,
        "surveys/results_detail.html",
        {
            "title": f"问卷结果 · {version.questionnaire.code} {version.title} 第 {version.number} 版",
            "version": version,
            "filter": invitation_filter,
            "channels": channels,
            "channel_total": channel_total,
            "branches": branches,
            "branch_total": branch_total,
            "questions": questions,
            "charts": results.chart_data(questions),
            "abnormal": abnormal,
            "abnormal_limit": results.ABNORMAL_LIMIT,
            "query": query,
        },
    )


def response_detail(request, pk: int):
    """One submission: the answers as the customer gave them, abnormal ones marked."""
    _require_view(request)
    response = get_object_or_404(
        Response.objects.restrict(request.user, "view").select_related(
            "invitation", "version__questionnaire", "customer", "branch", "task", "record"
        ),
        pk=pk,
    )
    lines = results.answer_lines(response.version, response)
    if request.user.has_perm("reports.add_measure"):  # 创建管理措施 from an abnormal answer
        for line in lines:
            if line["abnormal"]:
                reason = f"问卷异常答案：{line['number']}. {line['text']}——{line['answer']}"
                line["measure_query"] = urlencode(
                    {"record": response.record_id, "reason": reason[:500]}
                )
    return render(
        request,
        "surveys/response_detail.html",
        {
            "title": f"问卷结果 #{response.pk} · {response.customer.investor_code} "
            f"{response.customer.name}",
            "response": response,
            "lines": lines,
        },
    )
