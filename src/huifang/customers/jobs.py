"""The background job of the upload page: importing a saved file (数据导入)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler
from huifang.customers.models import ImportRecord

# The importer (openpyxl, numpy, the readers) is imported when a job runs, not when the
# app registers this handler: every ``huifang`` command would pay for it at start-up.

JOB_KIND = "customers.import"


@dataclass(frozen=True)
class ImportParams(JobParams):
    dataset: str  # a key of ``customers.importers.DATASETS``
    path: str  # relative to MEDIA_ROOT (``services.save_upload``)
    file_name: str
    skip_invalid: bool = False


@job_handler(JOB_KIND, ImportParams, label="数据导入")
def run_import_job(ctx: JobContext) -> dict:
    from huifang.customers.importers import import_file
    from huifang.customers.services import media_path  # services starts this job

    params: ImportParams = ctx.params
    result = import_file(
        params.dataset,
        media_path(params.path),
        skip_invalid=params.skip_invalid,
        actor=ctx.job.created_by,
        file_name=params.file_name,
        progress=ctx.progress,
    )
    record = result.record
    ImportRecord.objects.filter(pk=record.pk).update(job=ctx.job)
    ctx.log(record.message)
    for warning in result.warnings:
        ctx.log(warning)
    outcome = {
        "file": record.report_file,
        "file_label": "下载错误报告",  # the file is the row report of the invalid rows
        "next_url": reverse("imports:record_detail", args=[record.pk]),
        "data": job_answer(result),
    }
    if not result.ok:
        raise JobFailed(
            f"导入被拒绝：{record.message}。请下载错误报告，修改后重新导入。",
            result=outcome,
            rejected=True,
        )
    return {"summary": record.message, **outcome}


def job_answer(result) -> dict:
    """What the API's job status shows of a finished import: the synchronous answer for a
    file (``import_answers``), with at most ``STORED_ERRORS`` rows of the report (the record
    has them all)."""
    from huifang.customers.import_answers import answer
    from huifang.customers.importers.engine import STORED_ERRORS

    return answer(result, field="file", report_limit=STORED_ERRORS)
