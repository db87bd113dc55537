"""What-if (筛选对比): who a newer run adds, who drops out, whose reasons change, and why
(parameter differences between the runs' rule versions, and each side's evidence)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery

from huifang.rules import evidence
from huifang.rules import params as P
from huifang.rules.models import Hit, HitReason, ScreeningRun

KINDS = {"added": "新增", "dropped": "移除", "changed": "理由变化"}


def param_changes(old: ScreeningRun, new: ScreeningRun) -> list[dict]:
    """Per rule: version and parameter differences between two runs."""
    before = {r.code: r for r in old.run_rules.select_related("version")}
    after = {r.code: r for r in new.run_rules.select_related("version")}
    out = []
    for code in sorted(set(before) | set(after)):
        a, b = before.get(code), after.get(code)
        if a is None or b is None:
            out.append(
                {
                    "code": code,
                    "name": (a or b).name,
                    "note": "仅在新筛选中使用" if a is None else "新筛选未使用（未选择或已停用）",
                    "rows": [],
                }
            )
            continue
        shown_a = P.display_params(a.rule_type, a.params)
        shown_b = {k: v for k, _l, v in P.display_params(b.rule_type, b.params)}
        rows = [(label, va, shown_b[key]) for key, label, va in shown_a if va != shown_b[key]]
        if rows or a.version_id != b.version_id:
            out.append(
                {
                    "code": code,
                    "name": b.name,
                    "rows": rows,
                    "note": f"版本 v{a.version.number} → v{b.version.number}",
                }
            )
    return out


def querysets(old: ScreeningRun, new: ScreeningRun, user) -> dict:
    old_hits = Hit.objects.restrict(user, "view").filter(run=old)
    new_hits = Hit.objects.restrict(user, "view").filter(run=new)
    previous = Hit.objects.filter(run=old, customer_id=OuterRef("customer_id"))
    return {
        "added": new_hits.exclude(customer_id__in=old_hits.values("customer_id")).annotate(
            old_codes=Subquery(previous.values("rule_codes")[:1])
        ),
        "dropped": old_hits.exclude(
            customer_id__in=Hit.objects.filter(run=new).values("customer_id")
        ),
        "changed": new_hits.annotate(
            old_codes=Subquery(previous.values("rule_codes")[:1]),
            old_reasons=Subquery(previous.values("reasons")[:1]),
        )
        .filter(old_codes__isnull=False)
        .exclude(old_codes=F("rule_codes")),
    }


def _evidence_text(run: ScreeningRun, customer_ids: list[int]) -> dict[int, str]:
    types = dict(run.run_rules.values_list("code", "rule_type"))
    out: dict[int, list[str]] = {}
    for reason in HitReason.objects.filter(run=run, customer_id__in=customer_ids).order_by(
        "rule_code"
    ):
        text = evidence.summary(
            types.get(reason.rule_code, "custom"), evidence.reason_dict(reason), run.as_of
        )
        out.setdefault(reason.customer_id, []).append(
            f"{reason.rule_code}：{text}" if text else reason.rule_code
        )
    return {k: "；".join(v) for k, v in out.items()}


def _codes(text: str | None) -> list[str]:
    return [c for c in (text or "").split(",") if c]


def compare(
    old: ScreeningRun, new: ScreeningRun, user, *, kind: str = "", page="1", per_page=50
) -> dict:
    sets = querysets(old, new, user)
    counts = {k: sets[k].count() for k in KINDS}
    kind = kind if kind in KINDS else next((k for k in KINDS if counts[k]), "added")
    paginator = Paginator(sets[kind].select_related("branch").order_by("investor_code"), per_page)
    page_obj = paginator.get_page(page)
    hits = list(page_obj.object_list)
    ids = [h.customer_id for h in hits]
    names = dict(old.run_rules.values_list("code", "name")) | dict(
        new.run_rules.values_list("code", "name")
    )
    old_ev = _evidence_text(old, ids) if kind in ("dropped", "changed") else {}
    new_ev = _evidence_text(new, ids) if kind in ("added", "changed") else {}
    rows = []
    for hit in hits:
        if kind == "dropped":
            before, after = hit.codes, []
        else:
            before, after = _codes(getattr(hit, "old_codes", "")), hit.codes
        gained = [c for c in after if c not in before]
        lost = [c for c in before if c not in after]
        why = []
        if gained:
            why.append("新增命中：" + "、".join(f"{c} {names.get(c, '')}" for c in gained))
        if lost:
            why.append("不再命中：" + "、".join(f"{c} {names.get(c, '')}" for c in lost))
        rows.append(
            {
                "hit": hit,
                "old_reasons": "；".join(names.get(c, c) for c in before),
                "new_reasons": "；".join(names.get(c, c) for c in after),
                "why": "；".join(why),
                "old_evidence": old_ev.get(hit.customer_id, ""),
                "new_evidence": new_ev.get(hit.customer_id, ""),
            }
        )
    return {
        "old": old,
        "new": new,
        "counts": counts,
        "kind": kind,
        "kinds": KINDS,
        "rows": rows,
        "page_obj": page_obj,
        "changes": param_changes(old, new),
    }
