"""Every audit action the code base writes has a Chinese label (issue 14).

The writes are found in the source, not listed by hand: each ``audit.record(ACTION, …)``
and each ``{"action": …}`` row given to ``record_many``. An action that is not a literal
is followed to its values: both sides of ``a if c else b``, an f-string's parameter, or a
function parameter through every call of that function. A write whose action cannot be
followed fails the test, so a new one cannot slip past."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import huifang
from huifang.core.audit import ACTION_LABELS, action_label

SOURCE = Path(huifang.__file__).parent
BULK_WRITERS = {"record_many", "_record_many"}


class Source:
    def __init__(self) -> None:
        self.trees = {
            path: ast.parse(path.read_text(encoding="utf-8"))
            for path in SOURCE.rglob("*.py")
            if "migrations" not in path.parts
        }
        self.parents: dict[ast.AST, ast.AST] = {}
        for tree in self.trees.values():
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
        self.calls = [
            n for t in self.trees.values() for n in ast.walk(t) if isinstance(n, ast.Call)
        ]

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def where(self, node: ast.AST) -> str:
        top = node
        while top in self.parents:
            top = self.parents[top]
        path = next(p for p, t in self.trees.items() if t is top)
        return f"{path.relative_to(SOURCE.parent)}:{node.lineno}"

    def callers(self, function: ast.FunctionDef) -> list[ast.Call]:
        return [c for c in self.calls if _called_name(c) == function.name]

    def values(self, node: ast.AST, depth: int = 0) -> set[str] | None:
        """The strings ``node`` can be, or None if they cannot be followed."""
        if depth > 5:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            body, orelse = self.values(node.body, depth), self.values(node.orelse, depth)
            return None if body is None or orelse is None else body | orelse
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                found = self.values(inner, depth)
                if found is None:
                    return None
                parts.append(sorted(found))
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(node, ast.Name):
            return self.parameter_values(node, depth)
        return None

    def parameter_values(self, name: ast.Name, depth: int) -> set[str] | None:
        function = self.function_of(name)
        if function is None:
            return None
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        keywords = [a.arg for a in function.args.kwonlyargs]
        if name.id not in params + keywords:
            return None
        callers = self.callers(function)
        if not callers:
            return None
        found: set[str] = set()
        for call in callers:
            arg = next((k.value for k in call.keywords if k.arg == name.id), None)
            if arg is None and name.id in params:
                index = params.index(name.id) - (1 if params[:1] == ["self"] else 0)
                arg = call.args[index] if index < len(call.args) else None
            values = self.values(arg, depth + 1) if arg is not None else None
            if values is None:
                return None
            found |= values
        return found


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id == "audit"
    )


def written_actions() -> tuple[dict[str, str], list[str]]:
    """{action: where it is written}, [writes whose action could not be followed]."""
    source = Source()
    actions: dict[str, str] = {}
    unresolved: list[str] = []

    def note(node: ast.AST) -> None:
        values = source.values(node)
        if values is None:
            unresolved.append(source.where(node))
        else:
            for value in values:
                actions.setdefault(value, source.where(node))

    for call in source.calls:
        if _is_audit_record(call):
            action = call.args[0] if call.args else None
            action = action or next((k.value for k in call.keywords if k.arg == "action"), None)
            note(action)
        elif _called_name(call) in BULK_WRITERS:
            function = source.function_of(call)
            for node in ast.walk(function):
                if isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            note(value)
    return actions, unresolved


def test_every_audit_write_names_an_action_that_can_be_followed():
    actions, unresolved = written_actions()
    assert unresolved == []
    # The scan sees the writes it must (a literal, a conditional, a parameter, an f-string).
    assert {"create", "rule_disable", "distribute", "task_cancel"} <= set(actions)


def test_no_audit_action_written_by_the_code_base_lacks_a_chinese_label():
    actions, _ = written_actions()
    missing = {action: where for action, where in actions.items() if action not in ACTION_LABELS}
    assert missing == {}


def test_an_action_label_is_chinese():
    assert action_label("distribute") == "自动分派任务"
    assert action_label("task_attempts") == "更新回访次数"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in ACTION_LABELS.values())
