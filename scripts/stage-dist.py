#!/usr/bin/env python3
"""Lay out the release tree ``make dist`` builds the wheel from.

    python scripts/stage-dist.py build/dist-stage [--node-modules node_modules]

The checkout's files that git knows of or would (tracked, or new and not ignored) under
``src/``, with ``pyproject.toml`` and ``README.md``; then the front-end files the pages use
(``huifang.assets.FILES``, with each package's licence) copied from ``node_modules`` into
``src/huifang/static/vendor/<name>/``, which pyproject.toml's package data puts in the
wheel. The checkout itself is left as it is: nothing of npm's is ever committed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from huifang import assets  # noqa: E402

TREE = ["src", "pyproject.toml", "README.md"]


def checkout_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *TREE],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # a tracked file deleted in the work tree is not part of the release
    return sorted(f for f in set(listed.split("\0")) if f and (ROOT / f).is_file())


def vendor_files(node_modules: Path) -> list[tuple[Path, Path]]:
    """(source in node_modules, destination under huifang/static/vendor/) pairs."""
    pairs = []
    for name, (package, folder) in assets.PACKAGES.items():
        served = node_modules / package / folder
        pairs += [(served / f, Path(name) / f) for f in assets.FILES[name]]
        pairs += [(node_modules / package / f, Path(name) / f) for f in assets.LICENSES[name]]
    return pairs


def stage(target: Path, node_modules: Path) -> tuple[int, int]:
    pairs = vendor_files(node_modules)
    missing = [str(source) for source, _ in pairs if not source.is_file()]
    if missing:
        raise SystemExit(
            "stage-dist: the front-end files are not installed (npm ci): " + ", ".join(missing)
        )
    if target.exists():
        shutil.rmtree(target)
    files = checkout_files()
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    vendor = target / "src" / "huifang" / "static" / "vendor"
    size = 0
    for source, destination in pairs:
        (vendor / destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, vendor / destination)
        size += source.stat().st_size
    return len(files), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make dist 的打包目录")
    parser.add_argument("target", type=Path)
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    args = parser.parse_args(argv)
    count, size = stage(args.target, args.node_modules)
    print(
        f"staged {count} files of the checkout and {size / 1e6:.1f} MB of front-end files "
        f"in {args.target}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
