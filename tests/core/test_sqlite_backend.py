"""The SQLite backend (``core/sqlite3/base.py``): SQLite's memory statistics, whose one
lock two threads' statements wait on, are off in a process that loads it before any SQLite
connection is open, and left as they are (every open connection working) otherwise. Each
case runs in a new process: the switch is once per process."""

import subprocess
import sys

import pytest

MEMORY_USED = """
import ctypes, _sqlite3
used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
used.restype = ctypes.c_int64
"""


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_USED + code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_the_statistics_are_off_when_the_backend_loads_first(tmp_path, kind):
    name = ":memory:" if kind == "memory" else str(tmp_path / "x.sqlite3")
    switched, used, answer = run(
        "from huifang.core.sqlite3.base import memstatus_off\n"
        "import sqlite3\n"
        f"db = sqlite3.connect({name!r})\n"
        "db.execute('CREATE TABLE t (x)'); db.execute('INSERT INTO t VALUES (41)')\n"
        "print(memstatus_off(), used(), db.execute('SELECT x + 1 FROM t').fetchone()[0])\n"
    )
    assert (switched, used, answer) == ("True", "0", "42")  # nothing counted, all working


def test_an_open_connection_keeps_the_statistics_and_works_on():
    switched, used, answer = run(
        "import sqlite3\n"
        "db = sqlite3.connect(':memory:')\n"
        "from huifang.core.sqlite3.base import memstatus_off\n"
        "print(memstatus_off(), used() > 0, db.execute('SELECT 6 * 7').fetchone()[0])\n"
    )
    assert (switched, used, answer) == ("False", "True", "42")


def test_the_switch_is_made_once_per_process():
    first, second, used = run(
        "from huifang.core.sqlite3.base import memstatus_off\n"
        "import sqlite3\n"
        "db = sqlite3.connect(':memory:')\n"
        "print(memstatus_off(), memstatus_off(), used())\n"
    )
    assert (first, second, used) == ("True", "True", "0")
