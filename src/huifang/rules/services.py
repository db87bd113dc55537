"""Every write of the rules app: one transaction, the change, its audit row(s).

Pages, the API, the commands and jobs all call these ``do_…`` functions.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.permissions import require
from huifang.rules import engine
from huifang.rules import params as P
from huifang.rules.audit_actions import RuleAction
from huifang.rules.completeness import data_gap, newest_daily_date
from huifang.rules.models import (
    Hit,
    HitReason,
    Rule,
    RuleKind,
    RuleType,
    RuleVersion,
    RunRule,
    RunStatus,
    ScreeningRun,
)

KEEP_PREVIEWS = 5  # per user; older unfrozen previews are dropped when a new one is made
KEEP_WHATIFS = 5  # per user, likewise for the scratch runs of 与当前参数对比


def _actor_user(actor):
    """The person behind ``actor`` (a user or an Actor), None for a machine."""
    return person_of(actor)


def _new_version(rule: Rule, params: dict, *, name: str, note: str, actor) -> RuleVersion:
    number = (rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RuleVersion.objects.create(
        rule=rule,
        number=number,
        name=name,
        params=params,
        note=note,
        created_by=_actor_user(actor),
    )
    rule.current_version = version
    rule.updated_at = version.created_at
    rule.updated_by = _actor_user(actor)
    return version


# The code of the refusal when nothing would change (``huifang rules set`` then succeeds).
UNCHANGED = "unchanged"


@transaction.atomic
def do_update_rule(
    rule: Rule,
    changes: dict,
    *,
    name: str | None = None,
    description: str | None = None,
    note: str = "",
    actor,
) -> RuleVersion:
    """Store a new parameter version (``changes`` merged over the current parameters).

    Raises ``ValidationError`` (Chinese, per parameter) and writes nothing on bad input.
    """
    require(actor, "rules.change_rule", message="您没有修改回访规则的权限")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = {"name": rule.name, "description": rule.description, "params": rule.params}
    new_params = P.clean_params(rule.rule_type, changes, base=rule.params)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "规则名称不能为空"})
        if rule.kind == RuleKind.BUILTIN and name != rule.name:
            raise ValidationError({"name": "内置规则的名称不能修改"})
        rule.name = name
    if description is not None:
        rule.description = description.strip()
    after = {"name": rule.name, "description": rule.description, "params": new_params}
    if after == before:
        raise ValidationError("参数没有变化，未保存新版本", code=UNCHANGED)
    version = _new_version(rule, new_params, name=rule.name, note=note, actor=actor)
    rule.save()
    old, new = audit.diff(before, after)
    audit.record(
        RuleAction.RULE_CHANGE,
        rule,
        before=old,
        after=new,
        message=f"{rule.code} 保存参数版本 v{version.number}" + (f"：{note}" if note else ""),
        actor=actor,
    )
    return version


@transaction.atomic
def do_set_rule_enabled(rule: Rule, enabled: bool, *, actor) -> Rule:
    require(actor, "rules.change_rule", message="您没有启用或停用回访规则的权限")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.enabled == enabled:
        return rule
    rule.enabled = enabled
    rule.updated_at = timezone.now()
    rule.updated_by = _actor_user(actor)
    rule.save()
    audit.record(
        RuleAction.RULE_ENABLE if enabled else RuleAction.RULE_DISABLE,
        rule,
        before={"enabled": not enabled},
        after={"enabled": enabled},
        message=f"{'启用' if enabled else '停用'}规则 {rule.code}",
        actor=actor,
    )
    return rule


def next_custom_code() -> str:
    numbers = [
        int(code[1:])
        for code in Rule.objects.filter(code__startswith="B").values_list("code", flat=True)
        if re.fullmatch(r"B\d{3,}", code)
    ]
    return f"B{(max(numbers, default=0) + 1):03d}"


@transaction.atomic
def do_create_custom_rule(*, name: str, description: str = "", params: dict, actor) -> Rule:
    """A new custom rule B00n with its first version (conditions validated)."""
    require(actor, "rules.add_rule", message="您没有新建回访规则的权限")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "规则名称不能为空"})
    if Rule.objects.filter(name=name).exists():
        raise ValidationError({"name": "已有同名规则"})
    cleaned = P.clean_params(RuleType.CUSTOM, params)
    rule = Rule.objects.create(
        code=next_custom_code(),
        name=name,
        description=(description or "").strip(),
        kind=RuleKind.CUSTOM,
        rule_type=RuleType.CUSTOM,
    )
    version = _new_version(rule, cleaned, name=name, note="新建", actor=actor)
    rule.save()
    audit.record(
        RuleAction.RULE_CREATE,
        rule,
        after={"code": rule.code, "name": name, "params": cleaned},
        message=f"新建自定义规则 {rule.code} v{version.number}",
        actor=actor,
    )
    return rule


def _drop_old_previews(user, status: str = RunStatus.PREVIEW) -> None:
    """Keep the user's newest few unfrozen runs of ``status`` (previews or what-ifs)."""
    keep = KEEP_WHATIFS if status == RunStatus.WHATIF else KEEP_PREVIEWS
    previews = ScreeningRun.objects.filter(status=status, created_by=user)
    stale = list(previews.order_by("-created_at", "-id").values_list("pk", flat=True)[keep - 1 :])
    if stale:
        # Raw deletes: these runs were never frozen, and the hits go set-based.
        HitReason.objects.filter(run_id__in=stale)._raw_delete(HitReason.objects.db)
        Hit.objects.filter(run_id__in=stale)._raw_delete(Hit.objects.db)
        RunRule.objects.filter(run_id__in=stale).delete()
        ScreeningRun.objects.filter(pk__in=stale, status=status).delete()


@transaction.atomic
def do_run_screening(
    as_of: datetime.date,
    *,
    rules: Iterable[str] | None = None,
    overrides: dict | None = None,
    branches: Iterable[str] | None = None,
    customer_types: Iterable[str] | None = None,
    exclude_dormant: bool = False,
    use_aggregates: bool = True,
    freeze: bool = False,
    allow_incomplete: bool = False,
    whatif: bool = False,
    note: str = "",
    actor,
    progress: Callable[[int, int, str], None] | None = None,
) -> ScreeningRun:
    """Screen and store the run with all its hits (status 预览, or 已落地 with ``freeze``;
    对比试算 with ``whatif``: scratch hits for the comparison page, see :func:`rerun_current`).

    Records the exact rule version and effective parameters of every rule used. Freezing
    a run whose D is beyond today or the newest daily data is refused (nothing stored)
    unless ``allow_incomplete`` confirms it, as in :func:`do_freeze_run`.
    """
    from huifang.rules.engine.store import store_hits

    require(actor, "rules.add_screeningrun", message="您没有执行筛选的权限")
    if freeze and whatif:
        raise ValidationError("对比试算不能数据落地")
    overrides = {k.upper(): v for k, v in (overrides or {}).items() if v}
    specs = engine.resolve_rules(list(rules) if rules else None, overrides)
    if not specs:
        raise ValidationError("没有可用的规则：请至少选择一条启用的规则")
    if freeze and not allow_incomplete:
        _refuse_incomplete(as_of)
    ctx = engine.make_context(
        as_of,
        branches=branches,
        customer_types=customer_types,
        exclude_dormant=exclude_dormant,
        use_aggregates=use_aggregates,
    )
    user = _actor_user(actor)
    status = RunStatus.WHATIF if whatif else RunStatus.PREVIEW
    if user is not None and not freeze:
        _drop_old_previews(user, status)
    run = ScreeningRun.objects.create(
        as_of=as_of,
        status=status,
        customer_types=list(ctx.customer_types),
        branch_codes=sorted(set(branches or [])),
        exclude_dormant=exclude_dormant,
        overrides=overrides,
        use_aggregates=use_aggregates,
        note=note,
        created_by=user,
    )
    RunRule.objects.bulk_create(
        [
            RunRule(
                run=run,
                version_id=spec.version_id,
                code=spec.code,
                name=spec.name,
                rule_type=spec.rule_type,
                params=spec.params,
            )
            for spec in specs
        ]
    )
    counts, total = store_hits(run.pk, ctx, specs, progress)
    for code, count in counts.items():
        RunRule.objects.filter(run=run, code=code).update(hit_count=count)
    run.counts = counts
    run.hit_count = total
    run.save(update_fields=["counts", "hit_count"])
    audit.record(
        RuleAction.SCREEN,
        run,
        after={
            "as_of": as_of,
            "rule_versions": _version_numbers(specs),
            "overrides": overrides,
            "hits": total,
        },
        message=f"{'对比试算' if whatif else '筛选'} {as_of:%Y-%m-%d}：命中 {total} 位客户",
        actor=actor,
    )
    if freeze:
        run = do_freeze_run(run, allow_incomplete=allow_incomplete, actor=actor)
    return run


def _version_numbers(specs) -> dict[str, int | None]:
    """``{"A002": 2}``: each rule's version number (规则版本 as people read it; audit rows
    before this wrote the versions' ids under ``rules``)."""
    numbers = dict(
        RuleVersion.objects.filter(pk__in=[s.version_id for s in specs]).values_list("pk", "number")
    )
    return {s.code: numbers.get(s.version_id) for s in specs}


def _refuse_incomplete(as_of: datetime.date) -> None:
    gap = data_gap(as_of)
    if gap is not None:
        raise ValidationError(gap.refusal, code="incomplete_data")


@transaction.atomic
def do_freeze_run(run: ScreeningRun, *, allow_incomplete: bool = False, actor) -> ScreeningRun:
    """数据落地: make a preview run permanent and immutable (idempotent on a frozen run).

    When D is after today or after the newest daily data the figures are incomplete:
    refused (``ValidationError``, nothing changed) unless ``allow_incomplete`` confirms
    it; the confirmation is then stored on the run and in the audit row.
    """
    require(actor, "rules.change_screeningrun", message="您没有将筛选结果数据落地的权限")
    run = ScreeningRun.objects.select_for_update().get(pk=run.pk)
    if run.is_frozen:
        return run
    if run.is_whatif:
        raise ValidationError("对比试算只用于筛选对比，不能数据落地")
    gap = data_gap(run.as_of)
    if gap is not None and not allow_incomplete:
        raise ValidationError(gap.refusal, code="incomplete_data")
    run.status = RunStatus.FROZEN
    run.frozen_at = timezone.now()
    run.frozen_by = _actor_user(actor)
    run.data_through = gap.newest_daily if gap is not None else newest_daily_date()
    run.incomplete_confirmed = gap is not None
    run.save(
        update_fields=["status", "frozen_at", "frozen_by", "data_through", "incomplete_confirmed"]
    )
    after = {
        "status": RunStatus.FROZEN,
        "hits": run.hit_count,
        "counts": run.counts,
        "data_through": run.data_through,
    }
    message = f"筛选 #{run.pk} 数据落地：{run.hit_count} 位客户"
    if gap is not None:
        after["incomplete_confirmed"] = True
        message += f"（已确认按不完整数据落地：{gap.message}）"
    audit.record(RuleAction.RUN_FREEZE, run, after=after, message=message, actor=actor)
    return run


def rerun_current(
    run: ScreeningRun, *, actor, progress: Callable[[int, int, str], None] | None = None
) -> ScreeningRun:
    """The "current parameters" side of 与当前参数对比: ``run``'s D, filters and (still
    enabled) rules screened with today's parameter versions, without one-off overrides.

    Stored as a 对比试算 run, because the comparison page pages and filters stored hits;
    it is no screening of record: not in 筛选记录, never frozen, and it neither
    displaces the user's previews (``run`` may be one) nor outlives a few newer what-ifs.
    """
    codes = list(
        Rule.objects.filter(code__in=run.run_rules.values("code"), enabled=True).values_list(
            "code", flat=True
        )
    )
    if not codes:  # never fall back to "all enabled rules": that is another screening
        raise ValidationError(f"筛选 #{run.pk} 使用的规则都已停用，无法按当前参数对比")
    return do_run_screening(
        run.as_of,
        rules=codes,
        branches=run.branch_codes,
        customer_types=run.customer_types,
        exclude_dormant=run.exclude_dormant,
        use_aggregates=run.use_aggregates,
        whatif=True,
        note=f"与筛选 #{run.pk} 对比（当前参数）",
        actor=actor,
        progress=progress,
    )
