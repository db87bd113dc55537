"""The drop folders of 自动导入, as files: layout, what is waiting, whether a file has
settled, the atomic claim, and the move to ``done/`` or ``failed/``. No database here.

    HUIFANG_INTAKE_DIR/
      branches/  customers/  daily/  products/      ← the back office drops files here
        processing/   a claimed file while it is imported
        done/         imported files
        failed/       refused or failed files, each with ``<name>.errors.xlsx`` beside it

(or, for a dataset whose folder is set on 系统管理 → 导入目录, that folder with the same
three sub-folders: ``intake_folders``).

A file is taken only once it has *settled*: its modification time at least the settle time
(``HUIFANG_INTAKE_SETTLE_SECONDS``) in the past, and its size and modification time the same
as when the pass listed the folder (a second look, taken just before the claim). A writer
that keeps a file open and appends slowly is caught by either rule; one that writes under a
temporary name and renames it when done (recommended) is never seen half-written, since
names starting with ``.`` or ``~$`` and other suffixes than .csv/.xlsx are ignored.

The claim is a rename into ``processing/`` under a name unique to this claim: rename is
atomic on one file system, so of two passes racing for a file exactly one wins and the
other finds it gone.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".csv", ".xlsx")
PROCESSING, DONE, FAILED = "processing", "done", "failed"
SUBFOLDERS = (PROCESSING, DONE, FAILED)
REPORT_SUFFIX = ".errors.xlsx"
CLAIM_SEPARATOR = "__"


@dataclass(frozen=True)
class Seen:
    """A waiting file as one look at the folder found it."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name


def folder(root: Path, dataset: str) -> Path:
    """The dataset's drop folder under the root ``HUIFANG_INTAKE_DIR``."""
    return Path(root) / dataset


def ensure(base: Path) -> Path:
    """The drop folder ``base`` with its sub-folders, created when missing."""
    base = Path(base)
    for sub in SUBFOLDERS:
        (base / sub).mkdir(parents=True, exist_ok=True)
    return base


def eligible(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(SUFFIXES) and not name.startswith((".", "~$"))


def waiting(base: Path) -> list[Seen]:
    """The files waiting in ``base`` (not its sub-folders), in name order."""
    found = []
    try:
        entries = list(os.scandir(base))
    except FileNotFoundError:
        return []
    for entry in entries:
        if not entry.is_file(follow_symlinks=False) or not eligible(entry.name):
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        found.append(Seen(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda seen: seen.name)


def settled(seen: Seen, settle_seconds: int, now: float | None = None) -> bool:
    """Whether ``seen`` may be taken: unchanged since that look and old enough."""
    try:
        stat = seen.path.stat()
    except FileNotFoundError:
        return False
    if (stat.st_size, stat.st_mtime_ns) != (seen.size, seen.mtime_ns):
        return False
    now = time.time() if now is None else now
    return stat.st_mtime_ns <= (now - settle_seconds) * 1_000_000_000


def claim(seen: Seen) -> Path | None:
    """Take ``seen`` by renaming it into ``processing/``; None when another pass took it
    first (or it vanished). A file that changed between the look and the rename (a writer
    still appending through an open handle) is put back and not taken."""
    target = seen.path.parent / PROCESSING / f"{secrets.token_hex(6)}{CLAIM_SEPARATOR}{seen.name}"
    try:
        os.rename(seen.path, target)
    except FileNotFoundError:
        return None
    stat = target.stat()
    if (stat.st_size, stat.st_mtime_ns) != (seen.size, seen.mtime_ns):
        release(target, seen.path)
        return None
    return target


def release(claimed: Path, original: Path) -> None:
    """Put a claimed file back where it was dropped (unless a new one took the name)."""
    if not original.exists():
        os.rename(claimed, original)


def original_name(claimed: Path) -> str:
    return claimed.name.partition(CLAIM_SEPARATOR)[2] or claimed.name


def free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``stem (2).csv``… when a file of that name is already there
    (the same export dropped again keeps every copy)."""
    target = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists() or report_of(target).exists():
        target = directory / f"{stem} ({number}){suffix}"
        number += 1
    return target


def report_of(path: Path) -> Path:
    """Where the row report of a moved file goes: ``<name>.errors.xlsx`` beside it."""
    return path.with_name(path.name + REPORT_SUFFIX)


def move(claimed: Path, outcome: str) -> Path:
    """Move a claimed file to ``done/`` or ``failed/`` under its dropped name; returns
    where it went."""
    base = claimed.parent.parent
    target = free_name(base / outcome, original_name(claimed))
    os.rename(claimed, target)
    return target


def place_report(moved: Path, report: Path | None) -> Path | None:
    """Copy the row report ``report`` beside ``moved`` as ``<name>.errors.xlsx``."""
    if report is None or not report.is_file():
        return None
    target = report_of(moved)
    shutil.copyfile(report, target)
    return target


def abandoned(base: Path) -> list[Path]:
    """Files left in ``base``'s ``processing/`` (by a pass whose process was killed)."""
    directory = Path(base) / PROCESSING
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file())
