"""Django's SQLite backend (``django.db.backends.sqlite3``), with one change: SQLite's
memory statistics are switched off in this process before its first connection.

SQLite counts every allocation it makes under one process-wide mutex unless it was built
with ``SQLITE_DEFAULT_MEMSTATUS=0`` (which SQLite's own list of recommended options
advises); Debian's library is not, and is built without its lookaside allocator too, so
every row a statement sorts or keeps goes through that mutex. Two threads screening side
by side on connections of their own (``rules.engine.screen_table``) then spent 60 % more
CPU each than one alone, nearly all of it waiting for that lock; with the statistics off
each took less than one did before. Nothing in Huifang reads the statistics (they serve
``sqlite3_memory_used`` and the soft heap limit).

The switch is ``sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)``, which SQLite takes only while
the library is not initialised; Python's ``sqlite3`` module initialises it on import, so
it is shut down first (``sqlite3_shutdown``) and initialised again — which SQLite allows
only when no connection is open: it is done when SQLite reports no memory in use at all
(nothing open, in this process, by anyone), else left as it is. Where the library's
functions cannot be reached (a Python whose ``_sqlite3`` links SQLite statically without
exporting them), nothing changes but the speed.
"""

from __future__ import annotations

import ctypes
import threading

from django.db.backends.sqlite3.base import DatabaseWrapper

__all__ = ["DatabaseWrapper", "memstatus_off"]

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9

_lock = threading.Lock()
_done: bool | None = None


def memstatus_off() -> bool:
    """Switch SQLite's memory statistics off in this process, once; True when they are
    off (by this call or an earlier one), False when they were left on."""
    global _done
    with _lock:
        if _done is None:
            _done = _switch_off()
        return _done


def _switch_off() -> bool:
    try:
        import _sqlite3

        library = ctypes.CDLL(_sqlite3.__file__)  # and, through it, the SQLite it uses
        memory_used = library.sqlite3_memory_used
        config, shutdown = library.sqlite3_config, library.sqlite3_shutdown
        initialize = library.sqlite3_initialize
    except (ImportError, OSError, AttributeError):
        return False
    memory_used.restype = ctypes.c_int64
    if config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == SQLITE_OK:
        return True  # not initialised yet
    if memory_used() != 0:  # something is open: shutting SQLite down would break it
        return False
    if shutdown() != SQLITE_OK:
        return False
    switched = config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == SQLITE_OK
    initialize()
    return switched


memstatus_off()
