"""The output file of a command (``--out FILE``, ``export … FILE``): checked before any work,
so a path that cannot be written is a clear Chinese refusal instead of a traceback after
the work — and nothing (a frozen run, an audit row) is left by a command that then fails.
The file a command reads (``import … FILE``) is checked the same way (:func:`input_path`)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import CommandError

TABLES = (".csv", ".xlsx")


def output_path(value: str, suffixes: tuple[str, ...] = TABLES) -> Path:
    """``value`` as a path the command may write, or ``CommandError`` saying why not: a
    suffix not in ``suffixes``, a missing directory, a directory in its place, or a
    directory or file the process may not write."""
    path = Path(value)
    if path.suffix.lower() not in suffixes:
        raise CommandError(f"输出文件须以 {' 或 '.join(suffixes)} 结尾")
    parent = path.parent
    if not parent.is_dir():
        raise CommandError(f"目录不存在：{parent}")
    if path.is_dir():
        raise CommandError(f"输出文件是一个已存在的目录：{path}")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CommandError(f"没有写入权限：{path}")
    return path


def input_path(value: str) -> Path:
    """``value`` as a file a command reads (``import … FILE``), or ``CommandError`` saying
    why not: it does not exist, or it is a directory."""
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"不是文件，是一个目录：{path}")
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}")
    return path
