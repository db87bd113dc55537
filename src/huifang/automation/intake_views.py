"""The 自动导入 pages. 自动导入 (HQ and auditors, read-only): the drop folders with what
waits in each and its last run, and every run below, filterable and exportable.
系统管理 → 导入目录 (HQ admins only, ``automation.change_intakefolder``): each dataset's
folder, 启用 and where the setting comes from, edited through ``intake_folders``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from huifang.automation import intake, intake_folders
from huifang.automation.filtersets import IntakeRunFilterSet
from huifang.automation.forms import IntakeFolderForm
from huifang.automation.models import IntakeRun
from huifang.automation.tables import IntakeRunTable
from huifang.core.views import ObjectListView


class IntakeListView(ObjectListView):
    model = IntakeRun
    queryset = IntakeRun.objects.select_related("import_record")
    filterset_class = IntakeRunFilterSet
    table_class = IntakeRunTable
    template_name = "automation/intake.html"
    title = "自动导入"
    export_name = "intake"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake_folders"] = intake.folders()
        context["intake_on"] = any(row["folder"].active for row in context["intake_folders"])
        context["settle_seconds"] = getattr(settings, "INTAKE_SETTLE_SECONDS", 60)
        context["can_change_folders"] = self.request.user.has_perm(intake_folders.PERMISSION)
        return context


def _folder(request, dataset: str) -> intake_folders.Folder:
    """The dataset's effective folder, for a user who may set it (else 403; 404 for a
    dataset that does not exist)."""
    if not request.user.has_perm(intake_folders.PERMISSION):
        raise PermissionDenied(intake_folders.DENIED)
    for folder in intake_folders.effective():
        if folder.dataset == dataset:
            return folder
    raise Http404("没有该数据集")


def intake_folder_list(request):
    """导入目录: the four datasets' folders, 启用, the source of each, the last run."""
    if not request.user.has_perm(intake_folders.PERMISSION):
        raise PermissionDenied(intake_folders.DENIED)
    return render(
        request,
        "automation/intake_folders.html",
        {
            "title": "导入目录",
            "rows": intake.folders(),
            "env_root": getattr(settings, "INTAKE_DIR", None),
            "settle_seconds": getattr(settings, "INTAKE_SETTLE_SECONDS", 60),
            "can_view_runs": request.user.has_perm("automation.view_intakerun"),
        },
    )


def intake_folder_edit(request, dataset: str):
    """One dataset's folder and 启用; saved as the page's setting, which wins."""
    folder = _folder(request, dataset)
    env = intake_folders.env_folder(dataset)
    form = IntakeFolderForm(
        request.POST or None,
        initial={"path": str(folder.path or ""), "enabled": folder.enabled or not folder.source},
    )
    form.fields["path"].help_text += (
        f"。环境变量 HUIFANG_INTAKE_DIR 给出的目录：{env}（页面设置优先）"
        if env
        else "。环境变量 HUIFANG_INTAKE_DIR 未设置"
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = intake_folders.do_save_intake_folder(
                dataset,
                path=form.cleaned_data["path"],
                enabled=form.cleaned_data["enabled"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            state = f"已启用，目录 {saved.path}" if saved.active else "已停用"
            messages.success(
                request, f"已保存{saved.label}的导入目录：{state}；下一次检查（一分钟内）起生效"
            )
            return redirect("automation:intake_folders")
    return render(
        request,
        "core/form.html",
        {
            "title": f"导入目录 · {folder.label}",
            "form": form,
            "back_url": "automation:intake_folders",
        },
    )


@require_POST
def intake_folder_reset(request, dataset: str):
    """恢复为环境变量设置: the page's setting removed, the environment's folder holds."""
    folder = _folder(request, dataset)
    after = intake_folders.do_reset_intake_folder(dataset, actor=request.user)
    if folder.source != intake_folders.PAGE:
        messages.info(request, f"{folder.label}没有页面设置，仍按环境变量")
    elif after.active:
        messages.success(request, f"{after.label}已恢复为环境变量设置：{after.path}")
    else:
        messages.success(
            request, f"{after.label}已恢复为环境变量设置：HUIFANG_INTAKE_DIR 未设置，不再自动导入"
        )
    return redirect("automation:intake_folders")
