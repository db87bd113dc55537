"""Whether the process that started some work still runs, and cleaning up after one that
was killed (``kill -9``, a crash, a reboot).

Each process that runs jobs or imports takes a *mark* (:func:`mark`): a lock file
``DATA_DIR/run/<host>~<pid>~<token>.lock`` it holds with ``flock`` for as long as it lives
(the kernel drops the lock when the process ends, however it ends). A row it works on keeps
the mark; anyone can later ask :func:`is_alive`: the lock still held means alive. A
process's scratch files live next to its mark (:func:`scratch_dir`), so they are removed
with it. :func:`recover` runs the apps' recoveries (registered with
:func:`register_recovery`: the job worker's, the imports') against the dead marks and
then removes those marks' files; the worker and ``huifang import`` call it when they start.

The data dir is shared by every process of an installation (uploads, the embedded
database). A mark whose file is missing is dead when it was made on this machine and
unknown (treated as alive) when made on another.
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import logging
import os
import secrets
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

SEPARATOR = "~"
_held: dict[str, object] = {}  # pid → (mark, open lock file) of this process
Recovery = Callable[[Callable[[str], bool]], int]
_recoveries: list[Recovery] = []


def run_dir() -> Path:
    path = Path(settings.DATA_DIR) / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _host() -> str:
    return socket.gethostname().replace(SEPARATOR, "-").replace("/", "-") or "localhost"


def mark() -> str:
    """This process's mark, taken on first use (a forked child takes its own)."""
    pid = os.getpid()
    held = _held.get(pid)
    if held is not None:
        return held[0]
    name = SEPARATOR.join((_host(), str(pid), secrets.token_hex(4)))
    # Locked before it gets its name, so that no one ever sees it unlocked (and dead).
    fresh = run_dir() / f".{name}.new"
    handle = open(fresh, "w")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fresh.rename(run_dir() / f"{name}.lock")
    _held[pid] = (name, handle)
    atexit.register(_release, pid)
    return name


def _release(pid: int) -> None:
    """A clean exit removes the mark's files (a killed process leaves them to recover)."""
    if os.getpid() != pid or pid not in _held:
        return
    name, handle = _held.pop(pid)
    shutil.rmtree(run_dir() / f"{name}.d", ignore_errors=True)
    (run_dir() / f"{name}.lock").unlink(missing_ok=True)
    handle.close()


def is_alive(name: str) -> bool:
    """Whether the process that took mark ``name`` still runs (see the module's note)."""
    held = _held.get(os.getpid())
    if held is not None and held[0] == name:
        return True
    path = run_dir() / f"{name}.lock"
    try:
        handle = open(path, "r+")
    except FileNotFoundError:
        return name.split(SEPARATOR)[0] != _host()
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def scratch_dir(prefix: str) -> Path:
    """A new directory for this process's scratch files, under its mark: removed when the
    process exits, or by :func:`recover` after it was killed (never left in /tmp)."""
    base = run_dir() / f"{mark()}.d"
    base.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def die_with_parent(parent: int) -> None:
    """In a helper process forked by ``parent`` (its pid): be killed when the parent dies
    (Linux ``PR_SET_PDEATHSIG``), and end now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the closed pipe ends the helper instead
        pass
    if os.getppid() != parent:
        os._exit(1)


def register_recovery(recovery: Recovery) -> None:
    """``recovery(is_dead)`` settles the rows left by dead marks; returns how many."""
    if recovery not in _recoveries:
        _recoveries.append(recovery)


def recover() -> int:
    """Run every recovery, then remove the files of the marks found dead; returns the rows
    settled."""
    known: dict[str, bool] = {}

    def is_dead(name: str) -> bool:
        if name not in known:
            known[name] = not is_alive(name)
        return known[name]

    settled = sum(recovery(is_dead) for recovery in _recoveries)
    directory = run_dir()
    names = {p.name.removesuffix(".lock") for p in directory.glob("*.lock")}
    names |= {p.name.removesuffix(".d") for p in directory.glob("*.d")}
    for name in names:
        if is_dead(name):
            shutil.rmtree(directory / f"{name}.d", ignore_errors=True)
            (directory / f"{name}.lock").unlink(missing_ok=True)
    if settled:
        log.warning("已将 %s 项因进程中断而停在“运行中”的工作标记为失败", settled)
    return settled
