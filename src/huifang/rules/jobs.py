"""Background job: a screening run with progress (big data takes a while)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.core.audit import current_actor
from huifang.core.job_params import JobParams
from huifang.core.jobs import JobContext, JobFailed, job_handler

SCREEN = "rules.screen"


@dataclass(frozen=True)
class ScreenParams(JobParams):
    """A screening as of ``as_of`` with the form's choices; or, with ``compare_with``, the
    current parameters tried against that earlier run (筛选对比)."""

    as_of: datetime.date | None = None
    rules: list[str] = field(default_factory=list)  # none: every active rule
    overrides: dict[str, dict] = field(default_factory=dict)  # {rule code: {key: value}}
    branches: list[str] = field(default_factory=list)
    customer_types: list[str] = field(default_factory=list)
    exclude_dormant: bool = False
    compare_with: int | None = None

    def __post_init__(self):
        if (self.as_of is None) == (self.compare_with is None):
            raise ValueError("ScreenParams: give as_of or compare_with, not both or neither")


@job_handler(SCREEN, ScreenParams, label="筛选")
def screen_job(ctx: JobContext) -> dict:
    from huifang.rules import services
    from huifang.rules.completeness import data_gap
    from huifang.rules.models import ScreeningRun

    p: ScreenParams = ctx.params
    user = current_actor().user
    try:
        if p.compare_with:
            base = ScreeningRun.objects.get(pk=p.compare_with)
            ctx.log(f"按当前参数试算，与筛选 #{base.pk} 对比")
            run = services.rerun_current(base, actor=user, progress=ctx.progress)
            summary = f"按当前参数试算：命中 {run.hit_count} 位客户（不是新的筛选记录）"
            next_url = reverse("rules:whatif") + f"?old={base.pk}&new={run.pk}"
        else:
            run = services.do_run_screening(
                p.as_of,
                rules=p.rules or None,
                overrides=p.overrides,
                branches=p.branches,
                customer_types=p.customer_types,
                exclude_dormant=p.exclude_dormant,
                actor=user,
                progress=ctx.progress,
            )
            summary = f"筛选 #{run.pk}：命中 {run.hit_count} 位客户"
            next_url = reverse("rules:run_detail", args=[run.pk])
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    gap = data_gap(run.as_of)
    if gap is not None:
        summary += f"。注意：{gap.message}"
    ctx.progress(1, 1, "筛选完成")
    return {
        "summary": summary,
        "next_url": next_url,
        "data": {"run": run.pk, "hits": run.hit_count, "counts": run.counts},
    }
