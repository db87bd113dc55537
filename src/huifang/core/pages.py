"""Pages of the core app: the audit log and background jobs."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from huifang.core import audit, jobs
from huifang.core.audit_actions import CoreAction
from huifang.core.filtersets import AuditPageFilterSet, JobPageFilterSet
from huifang.core.models import AuditEvent, Job
from huifang.core.tables import AuditEventTable, JobTable
from huifang.core.views import ObjectDetailView, ObjectListView


class AuditListView(ObjectListView):
    model = AuditEvent
    queryset = AuditEvent.objects.select_related("user")
    filterset_class = AuditPageFilterSet
    table_class = AuditEventTable
    title = "审计日志"
    export_name = "audit"


class JobListView(ObjectListView):
    model = Job
    queryset = Job.objects.select_related("created_by")
    filterset_class = JobPageFilterSet
    table_class = JobTable
    title = "后台任务"
    export_name = "jobs"


class JobDetailView(ObjectDetailView):
    model = Job
    template_name = "core/job_detail.html"

    def get_object(self, queryset=None):
        return jobs.settle(super().get_object(queryset))


def _job_for(request, pk: int) -> Job:
    return jobs.settle(get_object_or_404(Job.objects.restrict(request.user, "view"), pk=pk))


def job_progress(request, pk: int):
    """The htmx partial that polls itself until the job has finished."""
    return render(request, "core/_job_progress.html", {"job": _job_for(request, pk)})


def job_download(request, pk: int):
    job = _job_for(request, pk)
    if not job.result_file:
        raise Http404("该任务没有结果文件")
    path = (Path(settings.MEDIA_ROOT) / job.result_file).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        raise Http404("结果文件不存在")
    audit.record(CoreAction.DOWNLOAD, job, message=f"下载 {path.name}")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
