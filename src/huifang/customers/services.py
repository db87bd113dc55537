"""Writes of the customers app. Data comes in through the standard data interface
(``customers.importers``); this module adds what the upload page needs around it: saving
an uploaded file under ``MEDIA_ROOT/imports/`` and running the import as a background job.

The job handler is registered at import time of this module (``CustomersConfig.ready``
imports it so that the task worker knows the ``customers.import`` kind).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from huifang.core.jobs import JobContext, JobFailed, job_handler, start_job
from huifang.customers.importers import DATASETS, import_file
from huifang.customers.importers.engine import STORED_ERRORS
from huifang.customers.models import ImportRecord

UPLOAD_DIR = "imports"
ALLOWED_SUFFIXES = (".csv", ".xlsx")
JOB_KIND = "customers.import"


def save_upload(uploaded, *, actor) -> str:
    """Store an uploaded file under MEDIA_ROOT/imports/YYYYMM/; returns its relative path."""
    name = Path(uploaded.name or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError("文件须为 .csv 或 .xlsx")
    safe = re.sub(r"[^\w.\-]+", "_", Path(name).stem)[:80] or "upload"
    relative = f"{UPLOAD_DIR}/{timezone.localtime():%Y%m}/{uuid.uuid4().hex[:12]}_{safe}{suffix}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return relative


def media_path(relative: str) -> Path:
    """A path under MEDIA_ROOT, refusing anything that escapes it."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise PermissionDenied("非法的文件路径")
    return path


def do_start_import(dataset: str, relative_path: str, *, file_name: str, skip_invalid: bool, actor):
    """Queue the import of an uploaded file as a background job; returns the Job."""
    if dataset not in DATASETS:
        raise ValidationError("未知的数据集")
    if not actor.has_perm("customers.import_data"):
        raise PermissionDenied("您没有通过标准数据接口导入数据的权限")
    media_path(relative_path)
    title = f"导入{DATASETS[dataset].label}：{file_name}"
    params = {
        "dataset": dataset,
        "path": relative_path,
        "file_name": file_name,
        "skip_invalid": skip_invalid,
    }
    return start_job(JOB_KIND, title[:200], params, user=actor)


@job_handler(JOB_KIND)
def run_import_job(ctx: JobContext) -> dict:
    params = ctx.params
    result = import_file(
        params["dataset"],
        media_path(params["path"]),
        skip_invalid=params.get("skip_invalid", False),
        actor=ctx.job.created_by,
        file_name=params.get("file_name"),
        progress=ctx.progress,
    )
    record = result.record
    ImportRecord.objects.filter(pk=record.pk).update(job=ctx.job)
    ctx.log(record.message)
    for warning in result.warnings:
        ctx.log(warning)
    outcome = {
        "file": record.report_file,
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
    """What the API's job status shows of a finished import: the synchronous answer's
    fields, with at most ``STORED_ERRORS`` rows of the report (the record has them all)."""
    body = result.as_dict()
    body["error_count"] = result.record.error_count
    body["errors"] = body["errors"][:STORED_ERRORS]
    return body
