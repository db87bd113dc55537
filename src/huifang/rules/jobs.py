"""Background job: a screening run with progress (big data takes a while)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.core.audit import current_actor
from huifang.core.jobs import JobFailed, job_handler


@job_handler("rules.screen")
def screen_job(ctx) -> dict:
    from huifang.rules import services
    from huifang.rules.completeness import data_gap
    from huifang.rules.models import ScreeningRun

    p = ctx.params
    user = current_actor().user
    try:
        if p.get("compare_with"):
            base = ScreeningRun.objects.get(pk=p["compare_with"])
            ctx.log(f"按当前参数试算，与筛选 #{base.pk} 对比")
            run = services.rerun_current(base, actor=user, progress=ctx.progress)
            summary = f"按当前参数试算：命中 {run.hit_count} 位客户（不是新的筛选记录）"
            next_url = reverse("rules:whatif") + f"?old={base.pk}&new={run.pk}"
        else:
            run = services.do_run_screening(
                datetime.date.fromisoformat(p["as_of"]),
                rules=p.get("rules") or None,
                overrides=p.get("overrides") or {},
                branches=p.get("branches") or [],
                customer_types=p.get("customer_types") or [],
                exclude_dormant=bool(p.get("exclude_dormant")),
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
