"""问卷管理 pages: list, create, the draft designer, preview, publish, versions, import and
export. Every write goes through ``surveys.services``; these views only decide what to
show and turn a refusal into a Chinese message."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Max, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from huifang.core.scoping import has_model_perm
from huifang.core.views import ObjectListView, style_form
from huifang.surveys import content, designer, services
from huifang.surveys.choices import VersionStatus
from huifang.surveys.content import QuestionType
from huifang.surveys.filtersets import QuestionnaireFilterSet
from huifang.surveys.forms import (
    DraftForm,
    ImportForm,
    OptionFormSet,
    QuestionForm,
    QuestionnaireCreateForm,
    answers_from_post,
    form_rows,
    question_from_forms,
)
from huifang.surveys.models import Questionnaire, QuestionnaireVersion
from huifang.surveys.tables import QuestionnaireTable


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限"


def _questionnaire(request, pk: int) -> Questionnaire:
    """The questionnaire, if the user may see questionnaires at all (else 403)."""
    if not has_model_perm(request.user, Questionnaire, "view"):
        raise PermissionDenied("您没有查看问卷的权限")
    return get_object_or_404(Questionnaire.objects.restrict(request.user, "view"), pk=pk)


def _may_change(request) -> bool:
    return request.user.has_perm("surveys.change_questionnaire")


def _require_change(request) -> None:
    if not _may_change(request):
        raise PermissionDenied("您没有编辑问卷的权限")


def _draft_or_redirect(request, questionnaire: Questionnaire):
    draft = questionnaire.draft()
    if draft is None:
        messages.error(request, services.NO_DRAFT)
    return draft


# ---------------------------------------------------------------- list, create, detail


class QuestionnaireListView(ObjectListView):
    model = Questionnaire
    filterset_class = QuestionnaireFilterSet
    table_class = QuestionnaireTable
    title = "问卷"
    export_name = "questionnaires"
    actions_template = "surveys/_questionnaire_actions.html"

    def get_base_queryset(self):
        return (
            Questionnaire.objects.select_related("updated_by")
            .prefetch_related("business_types")
            .annotate(
                latest_number=Max(
                    "versions__number", filter=Q(versions__status=VersionStatus.PUBLISHED)
                ),
                has_draft=Exists(
                    QuestionnaireVersion.objects.filter(
                        questionnaire=OuterRef("pk"), status=VersionStatus.DRAFT
                    )
                ),
            )
        )


def questionnaire_create(request):
    if not has_model_perm(request.user, Questionnaire, "add"):
        raise PermissionDenied("您没有新建问卷的权限")
    form = QuestionnaireCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            questionnaire = services.do_create_questionnaire(
                data["code"],
                data["title"],
                business_types=data["business_types"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新建问卷 {questionnaire.code}，请设计题目")
            return redirect("surveys:draft_edit", pk=questionnaire.pk)
    style_form(form)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "新建问卷", "back_url": "surveys:questionnaire_list"},
    )


def questionnaire_detail(request, pk: int):
    questionnaire = _questionnaire(request, pk)
    versions = questionnaire.versions.select_related("published_by").order_by("status", "-number")
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "title": f"问卷 {questionnaire.code}",
            "questionnaire": questionnaire,
            "versions": versions,
            "draft": questionnaire.draft(),
            "latest": questionnaire.latest_published(),
            "business_types": questionnaire.business_types.order_by("sort_order", "name"),
            "may_change": _may_change(request),
            "may_publish": request.user.has_perm("surveys.publish_questionnaire"),
        },
    )


# ---------------------------------------------------------------- the draft designer


def draft_edit(request, pk: int):
    """The designer: the draft's texts and business types, and its question list."""
    questionnaire = _questionnaire(request, pk)
    _require_change(request)
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("surveys:questionnaire_detail", pk=pk)
    initial = {
        "title": draft.title,
        "opening": draft.opening,
        "closing": draft.closing,
        "business_types": list(questionnaire.business_types.all()),
    }
    form = DraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_save_draft(questionnaire, **form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存草稿")
            return redirect("surveys:draft_edit", pk=pk)
    style_form(form)
    return render(
        request,
        "surveys/draft_edit.html",
        {
            "title": f"编辑问卷草稿 {questionnaire.code}",
            "questionnaire": questionnaire,
            "draft": draft,
            "form": form,
            "types": dict(QuestionType.choices),
            "may_publish": request.user.has_perm("surveys.publish_questionnaire"),
        },
    )


def question_edit(request, pk: int, qid: str | None = None):
    """Add a question (``qid`` None) to the draft, or change one."""
    questionnaire = _questionnaire(request, pk)
    _require_change(request)
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("surveys:questionnaire_detail", pk=pk)
    existing = draft.question(qid) if qid is not None else None
    if qid is not None and existing is None:
        messages.error(request, "题目不存在，可能已被他人修改")
        return redirect("surveys:draft_edit", pk=pk)
    if existing:
        initial = {k: existing[k] for k in ("id", "text", "type", "required")}
        options = existing.get("options") or []
    else:
        initial, options = {"type": QuestionType.SINGLE, "required": True}, []
    form = QuestionForm(request.POST or None, initial=initial)
    formset = OptionFormSet(request.POST or None, initial=options, prefix="opt")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        question = question_from_forms(
            form, formset, default_id=qid or designer.new_question_id(draft.questions)
        )
        try:
            questions = designer.put(draft.questions, question, replacing=qid)
            services.do_save_draft(questionnaire, questions=questions, actor=request.user)
        except (ValidationError, designer.EditError) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, "已保存题目")
            return redirect("surveys:draft_edit", pk=pk)
    style_form(form)
    for option_form in formset:
        style_form(option_form)
    return render(
        request,
        "surveys/question_edit.html",
        {
            "title": f"{'编辑' if existing else '添加'}题目 · {questionnaire.code}",
            "questionnaire": questionnaire,
            "form": form,
            "formset": formset,
        },
    )


@require_POST
def question_action(request, pk: int, qid: str, action: str):
    """删除 / 上移 / 下移 one question of the draft."""
    questionnaire = _questionnaire(request, pk)
    _require_change(request)
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("surveys:questionnaire_detail", pk=pk)
    edits = {
        "delete": lambda qs: designer.delete(qs, qid),
        "up": lambda qs: designer.move(qs, qid, -1),
        "down": lambda qs: designer.move(qs, qid, +1),
    }
    if action not in edits:
        messages.error(request, "未知操作")
        return redirect("surveys:draft_edit", pk=pk)
    try:
        questions = edits[action](draft.questions)
        services.do_save_draft(questionnaire, questions=questions, actor=request.user)
    except (ValidationError, designer.EditError) as exc:
        messages.error(request, _message(exc))
    else:
        if action == "delete":
            messages.success(request, "已删除题目")
    return redirect(reverse("surveys:draft_edit", args=[pk]) + "#questions")


@require_POST
def new_draft(request, pk: int):
    questionnaire = _questionnaire(request, pk)
    try:
        services.do_new_draft(questionnaire, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("surveys:questionnaire_detail", pk=pk)
    messages.success(request, "已新建草稿")
    return redirect("surveys:draft_edit", pk=pk)


def publish(request, pk: int):
    """发布, after a confirmation page."""
    questionnaire = _questionnaire(request, pk)
    if not request.user.has_perm("surveys.publish_questionnaire"):
        raise PermissionDenied("您没有发布问卷的权限")
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("surveys:questionnaire_detail", pk=pk)
    unchanged = services.same_published(questionnaire, draft)
    if unchanged is not None:  # say so before asking, not after the confirmation
        messages.error(request, services.UNCHANGED.format(number=unchanged.number))
        return redirect("surveys:draft_edit", pk=pk)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            version = services.do_publish(questionnaire, actor=request.user)
        except ValidationError as exc:
            messages.error(request, _message(exc))
            return redirect("surveys:draft_edit", pk=pk)
        messages.success(request, f"已发布问卷 {questionnaire.code} 第 {version.number} 版")
        return redirect("surveys:questionnaire_detail", pk=pk)
    return render(
        request,
        "core/confirm.html",
        {
            "title": f"发布问卷 {questionnaire.code}",
            "question": (
                f"发布后草稿（{len(draft.questions)} 题）将成为新版本，之后不能再修改；"
                "要修改时请新建草稿。确认发布？"
            ),
            "hidden": [],
            "cancel_url": reverse("surveys:draft_edit", args=[pk]),
        },
    )


# ---------------------------------------------------------------- versions, preview


def _version(request, pk: int, number: int | None) -> tuple[Questionnaire, QuestionnaireVersion]:
    """Version ``number`` of the questionnaire, or its draft when ``number`` is None."""
    questionnaire = _questionnaire(request, pk)
    if number is None:
        version = get_object_or_404(questionnaire.versions, status=VersionStatus.DRAFT)
    else:
        version = get_object_or_404(
            questionnaire.versions, status=VersionStatus.PUBLISHED, number=number
        )
    return questionnaire, version


def version_detail(request, pk: int, number: int | None = None):
    """A version read-only, with the abnormal / note flags the customer never sees."""
    questionnaire, version = _version(request, pk, number)
    version_label = f"第 {version.number} 版" if version.number else "草稿"
    return render(
        request,
        "surveys/version_detail.html",
        {
            "title": f"问卷 {questionnaire.code} · {version_label}",
            "questionnaire": questionnaire,
            "version": version,
            "types": dict(QuestionType.choices),
        },
    )


def preview(request, pk: int, number: int | None = None):
    """The questionnaire as the customer sees it on a phone; a trial submission is
    checked (as the H5 page would: notes required) and never stored."""
    questionnaire, version = _version(request, pk, number)
    check = None
    if request.method == "POST":
        answers = answers_from_post(version.questions, request.POST)
        check = content.check_answers(version, answers, notes_required=True)
    return render(
        request,
        "surveys/preview.html",
        {
            "title": f"预览 · {version}",
            "questionnaire": questionnaire,
            "version": version,
            "qn_rows": form_rows(
                version.questions,
                request.POST if check else None,
                check.errors if check else None,
            ),
            "check": check,
        },
    )


# ---------------------------------------------------------------- import, export


def export_json(request, pk: int, number: int | None = None):
    """The version (the latest one by default) as a questionnaire file."""
    questionnaire = _questionnaire(request, pk)
    if number is None:
        version = services.export_version(questionnaire)
        if version is None:
            messages.error(request, "该问卷没有任何版本")
            return redirect("surveys:questionnaire_detail", pk=pk)
    else:
        _, version = _version(request, pk, number)
    body = json.dumps(content.to_file(version), ensure_ascii=False, indent=2) + "\n"
    suffix = f"v{version.number}" if version.number else "draft"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{questionnaire.code}-{suffix}.json"'
    return response


def questionnaire_import(request):
    """Upload a questionnaire file: the same service as ``huifang survey import``."""
    if not (
        request.user.has_perm("surveys.add_questionnaire")
        or request.user.has_perm("surveys.change_questionnaire")
    ):
        raise PermissionDenied("您没有导入问卷的权限")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            data = json.loads(form.cleaned_data["file"].read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            problems = ["文件不是 UTF-8 编码"]
        except json.JSONDecodeError as exc:
            problems = [f"文件不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"]
        else:
            try:
                result = services.do_import_file(
                    data, publish=form.cleaned_data["publish"], actor=request.user
                )
            except ValidationError as exc:
                problems = exc.messages
            else:
                q, v = result.questionnaire, result.version
                done = "已导入为草稿"
                if result.unchanged:
                    done = f"与第 {v.number} 版相同（未修改），无需发布新版本，已导入为草稿"
                elif result.published:
                    done = f"已发布为第 {v.number} 版"
                messages.success(request, f"问卷 {q.code}：{done}（{len(v.questions)} 题）")
                return redirect("surveys:questionnaire_detail", pk=q.pk)
    style_form(form)
    return render(
        request,
        "surveys/import.html",
        {"title": "导入问卷", "form": form, "problems": problems},
    )
