"""The branches dataset: a small tree, validated as a whole and applied parents first.

A parent may be an existing branch or one defined anywhere in the same file (children may
come first). The resulting tree is checked before anything is written: unknown parents,
cycles, and — for a branch-scoped user — rows whose branch (now or after the import) lies
outside the user's subtree. Rows are then saved in order of their final depth through
``org.services.do_save_branch``, which keeps ``path``/``depth`` right (moving a branch
rewrites its subtree) and writes the audit rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from huifang.customers.importers import specs
from huifang.customers.importers.cells import (
    LEADING_ZEROS_LOST,
    CellError,
    NumText,
    check_text,
    parse_code,
)
from huifang.customers.importers.validators import ABSENT, REQUIRED, Errors, lost_zeros
from huifang.org.models import Branch
from huifang.org.services import do_save_branch

PARENT_ROW_INVALID = "上级部门代码所在行无效"


@dataclass
class BranchRow:
    rowno: int
    code: str
    name: str
    parent: str | None
    numeric_code: bool
    numeric_parent: bool
    depth: int = 0


class BranchImport:
    dataset = specs.BRANCHES

    def __init__(self, index: dict[str, int], errors: Errors, *, scope_path: str | None):
        self.pos = {c.key: index.get(c.key, ABSENT) for c in self.dataset.columns}
        self.errors = errors
        self.scope_path = scope_path
        self.rows: dict[str, BranchRow] = {}
        self.named: set[str] = set()  # every code a row of the file gives, valid or not
        self.total = 0
        self.existing = {
            code: (parent, path)
            for code, parent, path in Branch.objects.values_list("code", "parent__code", "path")
        }
        # A file without the 上级部门代码 column says nothing about where its existing
        # branches hang (data-interface.md: an absent column leaves the field as it is);
        # its new branches are top level, as an empty cell would make them.
        self.parent_absent = self.pos["parent_code"] == ABSENT
        self.name_limit = Branch._meta.get_field("name").max_length
        self.code_limit = Branch._meta.get_field("code").max_length

    def row(self, rowno: int, cells: list[str]) -> None:
        self.total += 1
        pos, n, add = self.pos, len(cells), self.errors.add
        before = self.errors.count
        values = {}
        for key in ("branch_code", "branch_name", "parent_code"):
            p = pos[key]
            text = cells[p] if p < n else ""
            values[key] = text
            if not text:
                if key != "parent_code":
                    add(rowno, key, text, REQUIRED)
                continue
            try:
                if key == "branch_name":
                    check_text(text, self.name_limit)
                else:
                    parse_code(text, self.code_limit)
            except CellError as exc:
                add(rowno, key, text, exc.reason)
        code, parent = values["branch_code"], values["parent_code"] or None
        self.named.add(code)
        if self.parent_absent and code in self.existing:
            parent = self.existing[code][0]
        if self.errors.count == before and parent == code:
            add(rowno, "parent_code", parent, "上级部门不能是自己")
        if self.errors.count == before and code in self.rows:
            add(rowno, "branch_code", code, f"与第 {self.rows[code].rowno} 行的部门代码重复")
        if self.errors.count != before:
            return
        self.rows[code] = BranchRow(
            rowno,
            str(code),
            values["branch_name"],
            parent and str(parent),
            type(code) is NumText,
            type(parent) is NumText,
        )

    def finish(self) -> list[BranchRow]:
        """The valid rows, parents first; every other row has been reported."""
        known = set(self.existing) | set(self.rows)
        stripped = {c.lstrip("0"): c for c in known if c[:1] == "0"}
        for row in list(self.rows.values()):
            if row.numeric_code and row.code not in self.existing and row.code in stripped:
                self._reject(row, "branch_code", row.code, LEADING_ZEROS_LOST)
            elif row.parent and row.parent not in known:
                if row.numeric_parent and row.parent in stripped:
                    reason = LEADING_ZEROS_LOST
                elif row.parent in self.named:  # a row of the file, refused itself
                    reason = PARENT_ROW_INVALID
                else:
                    reason = "上级部门代码不存在"
                self._reject(row, "parent_code", row.parent, reason)
        self._short_numeric_codes()
        # Rows whose parent was itself rejected lose their parent too; repeat until stable.
        changed = True
        while changed:
            changed = False
            for row in list(self.rows.values()):
                if row.parent and row.parent not in self.existing and row.parent not in self.rows:
                    self._reject(row, "parent_code", row.parent, PARENT_ROW_INVALID)
                    changed = True
        parents = {code: parent for code, (parent, _) in self.existing.items()}
        parents.update({code: row.parent for code, row in self.rows.items()})
        for row in list(self.rows.values()):
            path = self._final_path(row.code, parents)
            if path is None:
                self._reject(row, "parent_code", row.parent or "", "上级部门形成循环")
                continue
            row.depth = path.count("/") - 2
            if self.scope_path is not None:
                current = self.existing.get(row.code, (None, path))[1]
                if not (path.startswith(self.scope_path) and current.startswith(self.scope_path)):
                    self._reject(row, "branch_code", row.code, "该部门不在您的权限范围内")
        return sorted(self.rows.values(), key=lambda r: (r.depth, r.rowno))

    def _short_numeric_codes(self) -> None:
        """A new code that a spreadsheet stored as a number and that is shorter than its
        siblings' codes (the file's and the existing branches' under the same parent: one
        level's codes have one length, levels differ) has probably lost its zeros."""
        siblings: dict[str | None, list[str]] = defaultdict(list)
        for code, (parent, _) in self.existing.items():
            siblings[parent].append(code)
        for row in self.rows.values():
            if row.code not in self.existing:
                siblings[row.parent].append(row.code)
        known = set(self.existing)
        stored = {len(code) for code in known if code[:1] == "0"}
        for codes in siblings.values():
            numeric = [
                (row.rowno, row.code)
                for code in codes
                if (row := self.rows.get(code)) is not None and row.numeric_code
            ]
            lengths = Counter(len(code) for code in codes)
            for _, code in lost_zeros(numeric, lengths, known.intersection, stored):
                self._reject(self.rows[code], "branch_code", code, LEADING_ZEROS_LOST)

    def _final_path(self, code: str, parents: dict[str, str | None]) -> str | None:
        chain, seen = [], set()
        current: str | None = code
        while current is not None:
            if current in seen:
                return None
            seen.add(current)
            chain.append(current)
            current = parents.get(current)
        return "/" + "/".join(reversed(chain)) + "/"

    def _reject(self, row: BranchRow, key: str, value: str, reason: str) -> None:
        if self.rows.get(row.code) is row:
            self.errors.add(row.rowno, key, value, reason)
            del self.rows[row.code]


def apply(plan: list[BranchRow]) -> dict[str, int]:
    """Save the rows in order (parents first); returns created/updated/unchanged counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in plan:
        parent = Branch.objects.get(code=row.parent) if row.parent else None
        existing = Branch.objects.filter(code=row.code).values_list("is_active", flat=True).first()
        # An import names branches; it does not re-activate one an administrator disabled.
        active = True if existing is None else existing
        _, outcome = do_save_branch(
            code=row.code, name=row.name, parent=parent, is_active=active, actor=None
        )
        counts[outcome] += 1
    return counts
