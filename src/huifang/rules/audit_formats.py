"""How the audit log puts a screening run's rule versions in words (registered with
:func:`huifang.core.audit_display.register_format`: core knows no later app)."""

from __future__ import annotations

from huifang.core.audit_display import EMPTY, Names, plain, register_format


def versions_by_id(value, names: Names, event) -> str:
    """A screening's ``rules`` as rows before ``rule_versions`` stored them, ``{code:
    RuleVersion id}``: each id read as its version (``A002 v2``)."""
    from huifang.rules.models import RuleVersion

    if not isinstance(value, dict):
        return plain(value)
    shown = []
    for code, pk in value.items():
        name = names.of(RuleVersion, pk) if pk is not None else ""
        shown.append(name if name and not name.startswith("#") else f"{code}（版本已不存在）")
    return "；".join(shown) or EMPTY


def version_numbers(value, names: Names, event) -> str:
    """A screening's ``rule_versions``, ``{code: number}`` → ``A001 v1；A002 v2``."""
    if not isinstance(value, dict):
        return plain(value)
    return "；".join(f"{code} v{n}" for code, n in value.items()) or EMPTY


def register() -> None:
    register_format("rules.screeningrun", "rules", versions_by_id)
    register_format("rules.screeningrun", "rule_versions", version_numbers)
