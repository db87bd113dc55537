"""REST of steps 1 and 2 (the rules room): ``/api/v1/rules/``, ``/api/v1/screening-runs/``
and ``/api/v1/screening-hits/``.

Everything the rule and screening pages do, through the same services
(``huifang.rules.services``), the same jobs and the same FilterSets as the pages:

- rules: list/detail, parameter versions, ``PATCH`` → a new parameter version,
  enable/disable, new custom rules;
- screening runs: list/detail, ``POST`` → a screening job (202, as the page starts one),
  freeze (数据落地), export of the hits with their evidence (the page's file), what-if
  against the current parameters (a job, as the page's 与当前参数对比) and the comparison
  of two runs (筛选对比);
- hits: scoped to the caller's branches, each with its evidence (命中依据).
"""

from huifang.rules.api.hits import HitSerializer, HitViewSet, attach_evidence
from huifang.rules.api.rules import RuleSerializer, RuleViewSet
from huifang.rules.api.runs import RunSerializer, RunViewSet

__all__ = [
    "HitSerializer",
    "HitViewSet",
    "RuleSerializer",
    "RuleViewSet",
    "RunSerializer",
    "RunViewSet",
    "attach_evidence",
    "register",
]


def register(router) -> None:
    router.register("rules", RuleViewSet, basename="rule")
    router.register("screening-runs", RunViewSet, basename="screening-run")
    router.register("screening-hits", HitViewSet, basename="screening-hit")
