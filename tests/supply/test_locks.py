"""The hashed locks agree with pyproject.toml: every dependency (and the test extra) is
pinned within its range with hashes; runtime.txt and bench.txt keep lock.txt's versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(name: str) -> dict[str, set[str]]:
    """package → its pinned versions (a universal lock may pin two, under markers); each
    pin is checked to carry at least one hash."""
    found: dict[str, set[str]] = {}
    blocks = re.split(r"\n(?=\S)", (ROOT / "requirements" / name).read_text(encoding="utf-8"))
    for block in blocks:
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{name}: {match.group(1)} has no hash"
            found.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return found


def requirements(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    listed = project["dependencies"] + [
        d for e in extras for d in project["optional-dependencies"][e]
    ]
    return [Requirement(d) for d in listed]


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("lock.txt", ("test",)), ("runtime.txt", ()), ("bench.txt", ("test", "bench"))],
)
def test_each_dependency_is_pinned_within_its_range(lock, extras):
    locked = pins(lock)
    for requirement in requirements(*extras):
        versions = locked.get(canonicalize_name(requirement.name))
        assert versions, f"{lock} lacks {requirement.name}: run make lock"
        for version in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}: "
                "run make lock"
            )


def test_the_lock_holds_the_installer_and_the_build_backend_pyproject_needs():
    locked = pins("lock.txt")
    assert "pip" in locked
    (backend,) = (Requirement(r) for r in PYPROJECT["build-system"]["requires"])
    assert all(backend.specifier.contains(v) for v in locked[canonicalize_name(backend.name)])


@pytest.mark.parametrize("other", ["runtime.txt", "bench.txt"])
def test_the_runtime_and_bench_locks_keep_the_locks_versions(other):
    locked, theirs = pins("lock.txt"), pins(other)
    differing = {n: (v, locked[n]) for n, v in theirs.items() if n in locked and v != locked[n]}
    assert not differing, f"{other} differs from lock.txt: {differing}"


def test_the_bench_lock_holds_everything_the_lock_does():
    assert set(pins("lock.txt")) <= set(pins("bench.txt"))


def test_the_tools_are_locked():
    assert {"uv", "pip-audit"} <= set(pins("tools.txt"))
