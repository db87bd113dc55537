"""The background job of a big 证据包 (progress on the job page, then its download)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler
from huifang.reports.evidence.package import do_generate_evidence
from huifang.reports.evidence.scope import ScopeError, resolve

EVIDENCE = "reports.evidence"
FOLDER = "evidence"  # under MEDIA_ROOT, one folder per job


@dataclass(frozen=True)
class EvidenceParams(JobParams):
    customer: str | None = None  # 投资者代码
    batch: str | None = None  # 批次号
    branch: str | None = None  # 部门代码, with start and end
    start: datetime.date | None = None
    end: datetime.date | None = None


@job_handler(EVIDENCE, EvidenceParams, label="生成证据包")
def generate_evidence(ctx: JobContext) -> dict:
    params: EvidenceParams = ctx.params
    try:
        scope = resolve(
            customer=params.customer,
            batch=params.batch,
            branch=params.branch,
            start=params.start,
            end=params.end,
        )
    except ScopeError as exc:
        raise JobFailed(str(exc)) from exc
    relative = Path(FOLDER) / str(ctx.job.pk) / f"{scope.file_stem()}.xlsx"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        package = do_generate_evidence(scope, path, actor=ctx.job.created_by, progress=ctx.progress)
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    summary = package.summary()
    ctx.log(summary)
    return {
        "summary": summary,
        "file": str(relative.with_name(package.download.name)),
        "data": {"sections": package.counts, "files": package.files, "sha256": package.sha256},
    }
