"""The rule type base class and its registry (healthchecks' transports are the model).

A rule type (规则种类) is one class: its parameters (types, defaults, validation), its
meaning in words, its SQL and its evidence columns. Defining a subclass with a ``name``
registers it; :data:`REGISTRY` maps the name stored in ``Rule.rule_type`` to an instance.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from datetime import date
from typing import ClassVar

from django.core.exceptions import ValidationError

from huifang.rules import params as P
from huifang.rules.engine.rulesql import Context, RuleSpec

REGISTRY: dict[str, RuleType] = {}

# Evidence shown to users but computed from stored columns (see ``rules.evidence``).
DERIVED_EVIDENCE = {"ratio", "age"}

SCOPE_PREFIX = "在回访基准日 D 时有效的客户（开户日期 ≤ D，且 D 时未销户）中，"


class RuleType(ABC):
    """One kind of callback rule. Subclasses set the class attributes and implement
    :meth:`meaning` and :meth:`sql`; every rule of this type shares them.

    * ``params``: the type's own parameters in display order (``customer_types`` and
      ``branches``, which every rule takes, are appended: :attr:`all_params`);
    * ``evidence``: ``(key, Chinese label)`` of the evidence users see, in order. A key is
      a ``HitReason`` column the SQL fills, or ``ratio`` / ``age``, derived from them;
    * :meth:`sql` returns one SELECT in the shared column layout of
      ``engine.rulesql.COLUMNS``: one row per customer hit, evidence columns filled.
    """

    name: ClassVar[str] = ""  # stored in Rule.rule_type; never rename one in use
    label: ClassVar[str] = ""  # Chinese (gettext_lazy), the choice label
    params: ClassVar[tuple[P.ParamSpec, ...]] = ()
    evidence: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in REGISTRY:
                raise ValueError(f"rule type {cls.name!r} registered twice")
            REGISTRY[cls.name] = cls()

    # --- parameters ---------------------------------------------------------------------

    @property
    def all_params(self) -> list[P.ParamSpec]:
        return [*self.params, *P.COMMON]

    def spec(self, key: str) -> P.ParamSpec | None:
        """The parameter named ``key``: its code (``min_loss_amount``) or, as people type
        it, its Chinese label (``亏损金额不低于``)."""
        key = key.strip()
        return next((p for p in self.all_params if key in (p.key, p.label)), None)

    def defaults(self) -> dict:
        return {p.key: p.default for p in self.all_params if p.kind != "conditions"}

    def clean(self, raw: dict, *, base: dict | None = None) -> dict:
        """Validate ``raw`` (merged over ``base``, the current parameters) into stored
        params. Raises ``ValidationError`` with a Chinese message per bad key; unknown keys
        are refused."""
        merged = {**self.defaults(), **(base or {})}
        errors: dict[str, list[str]] = {}
        for key, value in raw.items():
            param = self.spec(key)
            if param is None:
                errors.setdefault(key, []).append(f"未知参数 {key}")
                continue
            try:
                merged[param.key] = P.clean_value(param, value)
            except ValidationError as exc:
                for msgs in exc.message_dict.values():
                    errors.setdefault(param.key, []).extend(msgs)
        self.check(merged, errors)
        if errors:
            raise ValidationError(errors)
        return merged

    def check(self, params: dict, errors: dict[str, list[str]]) -> None:
        """Checks across parameters, after each was cleaned; add to ``errors``."""
        start, end = params.get("period_start"), params.get("period_end")
        if start and end and start > end:
            errors.setdefault("period_end", []).append("统计期间开始不能晚于结束")

    def display(self, params: dict) -> list[tuple[str, str, str]]:
        """(key, label, shown value) for every parameter, in declaration order."""
        return [
            (p.key, p.label, P.display_value(p, params.get(p.key, p.default)))
            for p in self.all_params
        ]

    def params_text(self, params: dict, *, given_only: bool = False, sep: str = "=") -> str:
        """``params`` in words: ``参数中文名=值；…`` in declaration order, each value as the
        pages show it (the evidence package's 生效参数 and 临时参数, the 参数 list with
        ``sep="："``). ``given_only``: only the keys ``params`` holds (a screening's
        overrides), else every parameter (its default where unset). A stored key the type
        no longer declares is kept as it is stored (``key=value``), never dropped."""
        shown = [
            f"{label}{sep}{value}"
            for key, label, value in self.display(params)
            if not given_only or key in params
        ]
        known = {p.key for p in self.all_params}
        shown += [
            f"{key}{sep}{value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
            for key, value in params.items()
            if key not in known
        ]
        return "；".join(shown)

    # --- meaning ------------------------------------------------------------------------

    def describe(self, params: dict) -> str:
        """The rule's exact meaning in words, with the current values filled in."""
        p = {**self.defaults(), **params}
        scope = []
        if p.get("customer_types"):
            scope.append(
                "客户类型为" + P.display_value(self.spec("customer_types"), p["customer_types"])
            )
        if p.get("branches"):
            scope.append("部门属于" + "、".join(p["branches"]) + "（含下级）")
        prefix = SCOPE_PREFIX
        if scope:
            prefix += "仅限" + "，".join(scope) + "，"
        return prefix + self.meaning(p)

    @abstractmethod
    def meaning(self, p: dict) -> str:
        """What hits, in words (``p``: the parameters over the defaults)."""

    # --- screening ----------------------------------------------------------------------

    @property
    def stored_evidence(self) -> list[str]:
        """The ``HitReason`` columns this type's SQL fills, in evidence order."""
        return [key for key, _label in self.evidence if key not in DERIVED_EVIDENCE]

    @abstractmethod
    def sql(self, ctx: Context, spec: RuleSpec) -> tuple[str, list]:
        """One SELECT (and its parameters) in the layout of ``engine.rulesql.COLUMNS``."""

    def figures_period(self, ctx: Context, spec: RuleSpec) -> tuple[date, date] | None:
        """The period whose figures (``engine.figures``) :meth:`sql` reads through
        ``period_figures``, or None: the engine computes them once when the screening's
        year columns need the same period."""
        return None


def get(name: str) -> RuleType:
    """The registered rule type called ``name`` (``KeyError`` when there is none)."""
    return REGISTRY[name]


def choices() -> list[tuple[str, str]]:
    return [(t.name, t.label) for t in REGISTRY.values()]
