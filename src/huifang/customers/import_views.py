"""数据接口 pages: upload (with a preview, then a background job), import records, reports."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from huifang.core import audit, export
from huifang.core.audit_actions import CoreAction
from huifang.core.views import ObjectDetailView, ObjectListView
from huifang.customers import services
from huifang.customers.import_filtersets import ImportRecordFilterSet
from huifang.customers.import_forms import ConfirmForm, UploadForm
from huifang.customers.import_tables import ImportRecordTable
from huifang.customers.importers import DATASETS
from huifang.customers.importers import report as error_report
from huifang.customers.importers.readers import SourceError, preview
from huifang.customers.models import ImportRecord

SESSION_KEY = "huifang_pending_imports"
PERMISSION = "customers.import_data"


def _require_import(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("您没有通过标准数据接口导入数据的权限")


def upload(request):
    """Step 1: choose the dataset and the file; the file is saved and its first rows shown."""
    _require_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        dataset = form.cleaned_data["dataset"]
        uploaded = form.cleaned_data["file"]
        try:
            relative = services.save_upload(uploaded, actor=request.user)
            shown = preview(services.media_path(relative), DATASETS[dataset])
        except (ValidationError, SourceError) as exc:
            form.add_error("file", exc.messages[0] if hasattr(exc, "messages") else str(exc))
        else:
            token = uuid.uuid4().hex
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {
                "dataset": dataset,
                "path": relative,
                "file_name": Path(uploaded.name).name,
                "skip_invalid": form.cleaned_data["skip_invalid"],
            }
            request.session[SESSION_KEY] = pending
            context = {
                "title": "确认导入",
                "dataset": DATASETS[dataset],
                "file_name": Path(uploaded.name).name,
                "skip_invalid": form.cleaned_data["skip_invalid"],
                "preview": shown,
                "form": ConfirmForm(initial={"token": token}),
            }
            return render(request, "customers/import_preview.html", context)
    context = {"title": "数据导入", "form": form, "datasets": DATASETS.values()}
    return render(request, "customers/import_upload.html", context)


@require_POST
def confirm(request):
    """Step 2: start the background job for a previewed upload; show its progress."""
    _require_import(request)
    form = ConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY, {})
    item = pending.pop(form.data.get("token", ""), None) if form.is_valid() else None
    if item is None:
        messages.error(request, "上传已过期或已提交，请重新上传文件")
        return redirect("imports:upload")
    request.session[SESSION_KEY] = pending
    job = services.do_start_import(
        item["dataset"],
        item["path"],
        file_name=item["file_name"],
        skip_invalid=item["skip_invalid"],
        actor=request.user,
    )
    return render(
        request,
        "customers/import_progress.html",
        {"title": "导入进度", "job": job, "file_name": item["file_name"]},
    )


def template_file(request, dataset: str):
    """An empty xlsx with the dataset's Chinese headers, as a starting point."""
    _require_import(request)
    spec = DATASETS.get(dataset)
    if spec is None:
        raise Http404("未知的数据集")
    response = HttpResponse(
        _template(spec),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename={dataset}_template.xlsx"
    return response


# Columns whose cells Excel would otherwise turn into numbers (leading zeros, digits of a
# long number lost): the template formats them as text before anyone types.
TEXT_KEYS = frozenset({"id_number", "mobile", "phone"})


def _template(spec) -> bytes:
    buffer = io.BytesIO()
    workbook = export.open_workbook(buffer, stream=False)
    sheet = workbook.add_worksheet(spec.label[:31])
    labels = [c.label for c in spec.columns]
    export.write_sheet(workbook, sheet, labels, [])
    text = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(spec.columns):
        if column.key.endswith("_code") or column.key in TEXT_KEYS:
            sheet.set_column(col, col, max(10, len(column.label) * 2 + 2), text)
    workbook.close()
    return buffer.getvalue()


class ImportRecordListView(ObjectListView):
    model = ImportRecord
    queryset = ImportRecord.objects.select_related("user")
    filterset_class = ImportRecordFilterSet
    table_class = ImportRecordTable
    title = "导入记录"
    export_name = "imports"
    actions_template = "customers/import_actions.html"


class ImportRecordDetailView(ObjectDetailView):
    model = ImportRecord
    queryset = ImportRecord.objects.select_related("user", "job")
    template_name = "customers/import_record_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        context["title"] = str(record)
        context["error_rows"] = record.errors
        context["more_errors"] = max(0, record.error_count - len(record.errors))
        return context


def report(request, pk: int):
    """The xlsx error report (row, column, value, reason) of an import."""
    record = get_object_or_404(ImportRecord.objects.restrict(request.user, "view"), pk=pk)
    if not record.error_count:
        raise Http404("该导入没有错误")
    path = Path(settings.MEDIA_ROOT) / record.report_file if record.report_file else None
    if path is None or not path.exists():
        record.report_file = error_report.write(record, record.errors)
        ImportRecord.objects.filter(pk=record.pk).update(report_file=record.report_file)
        path = Path(settings.MEDIA_ROOT) / record.report_file
    audit.record(CoreAction.DOWNLOAD, record, message=f"下载错误报告 {path.name}")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"导入{record.pk}_错误报告.xlsx"
    )
