"""The data-interface side of HQ's home page (``core.workbench``): imports waiting in the
job queue, running, failed or rejected, each number linking to the list that shows them."""

from __future__ import annotations

from huifang.core.filtersets import JobFilterSet
from huifang.core.models import Job
from huifang.core.workbench import Counter, Panel, register
from huifang.customers.import_filtersets import ImportRecordFilterSet
from huifang.customers.models import ImportRecord
from huifang.customers.services import JOB_KIND
from huifang.org.models import Role

LATEST_IMPORTS = 5
Status = ImportRecord.Status
UNFINISHED = (Status.RUNNING, Status.FAILED, Status.REJECTED)


def imports_panel(request) -> dict:
    jobs = Counter(request, "core:job_list", JobFilterSet, Job.objects.all())
    records = Counter(
        request, "imports:record_list", ImportRecordFilterSet, ImportRecord.objects.all()
    )
    latest = ImportRecord.objects.restrict(request.user, "view").filter(status__in=UNFINISHED)
    return {
        "figures": [
            jobs.figure("排队等待导入", {"kind": JOB_KIND, "status": Job.Status.QUEUED.value}),
            records.figure("导入中", {"status": Status.RUNNING.value}),
            records.figure("导入失败", {"status": Status.FAILED.value}, tone="danger"),
            records.figure("已拒绝（数据有误）", {"status": Status.REJECTED.value}, tone="danger"),
        ],
        "imports": latest.select_related("user").order_by("-started_at", "-id")[:LATEST_IMPORTS],
    }


def register_panels() -> None:
    register(
        Panel(
            "customers.imports",
            "customers/workbench_imports.html",
            frozenset({Role.HQ_ADMIN.value, Role.AUDITOR.value}),
            imports_panel,
            permission="customers.view_importrecord",
            order=40,
        )
    )
