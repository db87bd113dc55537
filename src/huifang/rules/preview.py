"""预览命中数: how many customers a custom rule being written would hit on a reference
date, and the first few of them with their evidence — nothing stored, nothing audited
(it changes nothing). The custom rule page and ``POST /api/v1/rules/preview/`` both ask
:func:`preview_custom_rule`, so they count alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from huifang.core.permissions import require
from huifang.customers.models import Customer
from huifang.org.models import Branch
from huifang.rules import engine, evidence
from huifang.rules import params as P
from huifang.rules.models import RuleType

SAMPLE = 10  # customers shown by default
MAX_SAMPLE = 100
PREVIEW_CODE = "B000"  # never a saved rule's code (those start at B001)


@dataclass(frozen=True)
class PreviewHit:
    """A customer the rule would hit, with the rule's evidence (``evidence.as_text``)."""

    investor_code: str
    name: str
    branch_code: str
    branch_name: str
    summary: str
    values: list[dict]


@dataclass(frozen=True)
class RulePreview:
    as_of: datetime.date
    params: dict  # the conditions as they would be saved
    meaning: str
    count: int  # customers hit, in the caller's branches
    sample: list[PreviewHit]  # the first of them, by investor code


def preview_custom_rule(
    params: dict, *, as_of: datetime.date, actor, sample: int = SAMPLE
) -> RulePreview:
    """Screen ``params`` (a custom rule's, as :func:`services.do_create_custom_rule` takes
    them) on ``as_of`` among the customers ``actor`` may see: the count and the first
    ``sample`` hits. Needs the permission to create a rule; ``ValidationError`` (Chinese,
    per parameter) on bad conditions, as creating the rule would raise."""
    require(actor, "rules.add_rule", message="您没有新建回访规则的权限")
    cleaned = P.clean_params(RuleType.CUSTOM, params)
    spec = engine.RuleSpec(PREVIEW_CODE, "预览", RuleType.CUSTOM, cleaned)
    count, first = engine.preview(
        as_of,
        [spec],
        limit=max(0, min(sample, MAX_SAMPLE)),
        customers=Customer.objects.restrict(actor, "view"),
    )
    branches = Branch.objects.in_bulk({hit.branch_id for hit in first})
    return RulePreview(
        as_of=as_of,
        params=cleaned,
        meaning=P.describe(RuleType.CUSTOM, cleaned),
        count=count,
        sample=[
            PreviewHit(
                investor_code=hit.customer["investor_code"],
                name=hit.customer["name"],
                branch_code=branches[hit.branch_id].code,
                branch_name=branches[hit.branch_id].name,
                **evidence.as_text(RuleType.CUSTOM, hit.evidence[PREVIEW_CODE], as_of),
            )
            for hit in first
        ],
    )
