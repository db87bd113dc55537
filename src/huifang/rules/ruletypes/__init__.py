"""Rule types (规则种类) as classes in a registry: one class per type holds its
parameters, meaning, SQL and evidence columns (``base.RuleType``).

A new rule type is one subclass in a module imported below, and its tests; see
``docs/developing.md``.
"""

from huifang.rules.ruletypes import builtin, custom  # noqa: F401  (registers the types)
from huifang.rules.ruletypes.base import REGISTRY, RuleType, choices, get

__all__ = ["REGISTRY", "RuleType", "choices", "get"]
