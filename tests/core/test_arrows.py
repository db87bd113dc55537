"""architecture.md, "arrows point one way": an app imports only from apps to its left
(``core ← org ← customers ← rules ← callbacks ← surveys / channels ← reports ←
automation``, ``partners`` beside ``org`` on ``core``); the earlier never knows the later."""

from __future__ import annotations

import ast
from pathlib import Path

import huifang

SRC = Path(huifang.__file__).parent
# Position on the line of rooms; surveys and channels are side by side (neither imports
# the other), partners sits beside org and imports only core.
RANK = {
    "core": 0,
    "org": 1,
    "partners": 1,
    "customers": 2,
    "rules": 3,
    "callbacks": 4,
    "surveys": 5,
    "channels": 5,
    "reports": 6,
    "automation": 7,
}


def _imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return {n.split(".")[1] for n in names if n.startswith("huifang.") and n.count(".") >= 1}


def _forbidden(room: str, other: str) -> bool:
    if other == room or other not in RANK:
        return False
    if room == "partners":
        return other != "core"
    if RANK[other] == RANK[room]:
        return True  # surveys ↔ channels, org ↔ partners
    return RANK[other] > RANK[room]


def test_rooms_import_only_earlier_rooms():
    wrong = []
    for room in RANK:
        for path in sorted((SRC / room).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for other in sorted(_imported_rooms(path)):
                if _forbidden(room, other):
                    wrong.append(f"{path.relative_to(SRC)} imports huifang.{other}")
    assert wrong == []


def test_core_formats_only_its_own_audit_values():
    """The audit log's value formatters that core itself defines are for core's own
    objects; a later app registers its own (``register_format``), as reports does."""
    from huifang.core.audit_display import SPECIAL

    wrong = [
        f"{object_type}.{key} ({formatter.__module__})"
        for (object_type, key), formatter in SPECIAL.items()
        if formatter.__module__.startswith("huifang.core.") and not object_type.startswith("core.")
    ]
    assert wrong == []
    assert ("rules.screeningrun", "rule_versions") in SPECIAL  # registered by rules
