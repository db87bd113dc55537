"""The screening side of HQ's home page (``core.workbench``): the latest runs and how many
previews still wait to be frozen (数据落地)."""

from __future__ import annotations

from huifang.core.workbench import Counter, Panel, register
from huifang.org.models import Role
from huifang.rules.filtersets import RunFilterSet
from huifang.rules.models import RunStatus, ScreeningRun

LATEST_RUNS = 5


def runs_panel(request) -> dict:
    runs = Counter(request, "rules:run_list", RunFilterSet, ScreeningRun.objects.all())
    latest = ScreeningRun.objects.restrict(request.user, "view").select_related("created_by")
    return {
        "figures": [runs.figure("未落地的筛选", {"status": RunStatus.PREVIEW.value})],
        "runs": latest.order_by("-created_at", "-id")[:LATEST_RUNS],
    }


def register_panels() -> None:
    register(
        Panel(
            "rules.runs",
            "rules/workbench_runs.html",
            frozenset({Role.HQ_ADMIN.value, Role.AUDITOR.value}),
            runs_panel,
            permission="rules.view_screeningrun",
            order=20,
        )
    )
