"""The 证据包 page (汇总统计 → 证据包): choose the scope, generate. A small scope is written
at once and downloaded; a big one runs as a background job whose page shows the progress
and then the download link."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from huifang.core.exporter import XLSX_TYPE
from huifang.core.jobs import start_job
from huifang.core.models import Job
from huifang.reports import jobs
from huifang.reports.evidence.forms import EvidenceForm
from huifang.reports.evidence.package import PERMISSION, do_generate_evidence

# Up to this many tasks the package is generated in the request (a customer, a small batch:
# a few seconds); beyond, as a background job.
DIRECT_LIMIT = 2_000
RECENT = 10


def evidence(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("您没有生成证据包的权限")
    if request.method == "POST":
        form = EvidenceForm(request.POST, user=request.user)
        if form.is_valid():
            scope = form.scope
            if scope.tasks(request.user).count() <= DIRECT_LIMIT:
                return _download(request, scope)
            job = start_job(
                jobs.EVIDENCE,
                f"证据包：{scope.describe()}"[:200],
                jobs.EvidenceParams(**scope.as_params()),
                user=request.user,
            )
            return redirect("core:job_detail", pk=job.pk)
    else:
        form = EvidenceForm(initial=EvidenceForm.initial_from(request.GET), user=request.user)
    recent = Job.objects.restrict(request.user, "view").filter(
        kind=jobs.EVIDENCE, created_by=request.user
    )[:RECENT]
    return render(
        request,
        "reports/evidence.html",
        {"form": form, "title": "证据包", "recent": recent, "direct_limit": DIRECT_LIMIT},
    )


def _download(request, scope) -> HttpResponse:
    """Generate into a temporary folder and answer with the file (the zip when there are
    attachments, else the workbook)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{scope.file_stem()}.xlsx"
        package = do_generate_evidence(scope, path, actor=request.user)
        target = package.download
        content_type = "application/zip" if target.suffix == ".zip" else XLSX_TYPE
        response = HttpResponse(target.read_bytes(), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(target.name)}"
    return response
