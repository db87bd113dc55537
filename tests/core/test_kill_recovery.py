"""Killed mid-way, then started again (issue 19, found when probed: a ``kill -9`` of
``huifang import`` left its import record "running" forever and, during parsing, an orphaned
part-reader blocked on a pipe with a scratch file in /tmp; a worker killed mid-job left
the job "running" forever and a new worker never took it up).

The real commands run in subprocesses on a database of their own (SQLite in a temporary
data dir, whatever the suite's database), are killed with SIGKILL at a known point, and
the next start settles what they left."""

from __future__ import annotations

import csv
import datetime
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.customers.conftest import DAILY_HEADER

ROOT = Path(__file__).resolve().parents[2]


def _env(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIFANG_")}
    env.update(
        HUIFANG_DATA_DIR=str(data),
        HUIFANG_IMPORT_PROCESSES="2",
        DJANGO_SETTINGS_MODULE="huifang.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    return env


def _huifang(data: Path, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "huifang.cli", *args], env=_env(data), cwd=ROOT, **kwargs
    )


CUSTOMER_COLUMNS = (
    "投资者代码 投资者名称 客户类型 证件类型 证件号码 开户日期 客户状态 部门代码 风险承受能力"
)
CUSTOMER_COLUMNS = CUSTOMER_COLUMNS.split()
CODES = 3000  # customers; the daily file has a row for each on each of its days


def _write(path: Path, header: list[str], rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated database with a branch and CODES customers."""
    data = tmp_path_factory.mktemp("migrated")
    assert _huifang(data, "migrate", "-v", "0").wait(timeout=300) == 0
    branches = _write(data / "b.csv", ["部门代码", "部门名称"], [["01", "总部"]])
    customers = _write(
        data / "c.csv",
        CUSTOMER_COLUMNS,
        (
            [
                f"{n:08d}",
                f"客户{n}",
                "自然人",
                "护照",
                f"E{n:08d}",
                "2020-01-15",
                "有效",
                "01",
                "C3",
            ]
            for n in range(CODES)
        ),
    )
    for dataset, path in (("branches", branches), ("customers", customers)):
        done = _huifang(data, "import", dataset, str(path), stdout=subprocess.DEVNULL)
        assert done.wait(timeout=300) == 0
    return data


@pytest.fixture
def data(migrated, tmp_path) -> Path:
    """A data dir of its own holding a copy of the migrated database."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(migrated / "huifang.sqlite3", data / "huifang.sqlite3")
    shutil.copy(migrated / "secret_key", data / "secret_key")
    return data


def _query(data: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data / "huifang.sqlite3") as db:
        return db.execute(sql).fetchall()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _exits_within(pidfd: int, seconds: float) -> bool:
    return bool(select.select([pidfd], [], [], seconds)[0])


def _daily_file(path: Path, days: int) -> Path:
    """Valid daily rows: each customer on each of ``days`` days (~50 bytes a row)."""
    first = datetime.date(2024, 1, 1)
    numbers = ["100.00", "", "", "1.00", "", "0.50", "100.50", "3"]
    return _write(
        path,
        DAILY_HEADER,
        (
            [f"{first + datetime.timedelta(days=d):%Y-%m-%d}", f"{n:08d}", *numbers]
            for d in range(days)
            for n in range(CODES)
        ),
    )


def test_a_killed_import_is_failed_on_the_next_start_and_leaves_no_reader_or_file(data):
    big = _daily_file(data / "daily.csv", 250)  # 750,000 rows, ~37 MB
    run = _huifang(
        data,
        "import",
        "daily",
        str(big),
        "-v",
        "2",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    run.stderr.readline()  # 正在读取和校验…（0）
    progress = run.stderr.readline()  # 10,000 rows read here: the part-readers run
    assert "（10000" in progress, progress
    readers = _children(run.pid)
    assert readers, "the part-readers were started"
    pidfds = [os.pidfd_open(pid) for pid in readers]
    scratch = list((data / "run").glob("*.d/import-*"))
    assert scratch and all(str(p).startswith(str(data)) for p in scratch)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    run.stderr.close()
    assert all(_exits_within(fd, 10) for fd in pidfds), "a part-reader outlived the import"
    daily = "FROM customers_importrecord WHERE dataset = 'daily' ORDER BY id"
    assert _query(data, f"SELECT status {daily}") == [("running",)]

    small = _daily_file(data / "small.csv", 1)
    again = _huifang(data, "import", "daily", str(small), stderr=subprocess.DEVNULL)
    again.wait(timeout=120)
    (status, message), (second, _) = _query(data, f"SELECT status, message {daily}")
    assert second == "applied"  # the import after it ran as usual
    assert status == "failed"
    assert "导入进程已中断" in message and "未写入任何数据" in message
    assert not any(p.exists() for p in scratch)
    assert _query(data, "SELECT count(*) FROM customers_dailybalance") == [(CODES,)]  # small


ENQUEUE = "import django; django.setup(); import tests.core.blocking_job as b; print(b.enqueue())"
WORKER = (
    "import django; django.setup(); import tests.core.blocking_job; "
    "from huifang.cli import main; import sys; main(['huifang', 'db_worker', *sys.argv[1:]])"
)


def _python(data: Path, code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], env=_env(data), cwd=ROOT, **kwargs)


def test_a_job_of_a_killed_worker_is_failed_when_a_worker_starts_again(data):
    enqueue = _python(data, ENQUEUE, stdout=subprocess.PIPE, text=True)
    job_id = int(enqueue.communicate(timeout=60)[0].strip())
    worker = _python(
        data,
        WORKER,
        "--no-startup-delay",
        "--interval",
        "0.05",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdout.readline().strip() == f"started {job_id}"
    assert _query(data, f"SELECT status FROM core_job WHERE id = {job_id}") == [("running",)]
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    worker.stdout.close()

    again = _python(
        data,
        WORKER,
        "--batch",
        "--no-startup-delay",
        "--interval",
        "0",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert again.wait(timeout=120) == 0
    status, error = _query(data, f"SELECT status, error FROM core_job WHERE id = {job_id}")[0]
    assert status == "failed"
    assert error.startswith("执行该任务的进程已中断")


# ``huifang batch create`` whose merge stops for good at its fourth step (the new tasks written,
# links not yet): the test kills it there. The wrapper only adds the stop; the command,
# the service and its one transaction are the real ones.
BATCH_STOPPED_MID_WAY = """
import sys, time, django
django.setup()
from huifang.callbacks import merge
real = merge.merge_run
def merge_run(batch, plan, report):
    def stop(step, message):
        report(step, message)
        if step >= 4:
            print("stopped", step, flush=True)
            time.sleep(3600)
    return real(batch, plan, stop)
merge.merge_run = merge_run
from huifang.cli import main
main(["huifang", "batch", "create", *sys.argv[1:]])
"""


def _counts(data: Path) -> dict[str, int]:
    tables = [
        name
        for (name,) in _query(
            data, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {table: _query(data, f'SELECT count(*) FROM "{table}"')[0][0] for table in tables}


def _frozen_run(data: Path) -> str:
    """A frozen screening of A001 (every customer opened in 2020 hits): its id."""
    screen = _huifang(
        data,
        "screen",
        "--as-of",
        "2020-12-31",
        "--rules",
        "A001",
        "--freeze",
        "--allow-incomplete",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return screen.communicate(timeout=300)[0].strip().splitlines()[-1]


def _batch(data: Path) -> str:
    """A batch of CODES tasks (新开户回访): its number."""
    made = _huifang(
        data,
        "batch",
        "create",
        "--run",
        _frozen_run(data),
        "--business-type",
        "新开户回访",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return made.communicate(timeout=300)[0].strip().splitlines()[-1]


def _kill_when_stopped(process: subprocess.Popen, said: str) -> None:
    """Wait for the stop line, kill -9 the process, and reap it."""
    assert process.stdout.readline().startswith(said)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()


def test_a_batch_creation_killed_mid_way_leaves_every_table_as_before(data):
    run_id = _frozen_run(data)
    before = _counts(data)
    assert before["rules_hit"] == CODES

    stopped = _python(
        data,
        BATCH_STOPPED_MID_WAY,
        "--run",
        run_id,
        "--business-type",
        "新开户回访",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _kill_when_stopped(stopped, "stopped 4")
    assert _counts(data) == before

    again = _huifang(
        data,
        "batch",
        "create",
        "--run",
        run_id,
        "--business-type",
        "新开户回访",
        stdout=subprocess.PIPE,
        text=True,
    )
    assert again.communicate(timeout=300)[0].startswith(f"新建任务 {CODES} 条")


# A bulk action, ``huifang survey invite --batch N`` (问卷下发 to every task of a batch, one
# transaction), stopped for good once its invitations are inserted, before the commit.
INVITE_STOPPED_MID_WAY = """
import sys, time, django
django.setup()
from huifang.surveys import sending
real = sending.do_invite
def do_invite(tasks, **kwargs):
    def stop(done, total, message):
        if done:
            print("stopped", done, flush=True)
            time.sleep(3600)
    return real(tasks, **{**kwargs, "progress": stop})
sending.do_invite = do_invite
from huifang.cli import main
main(["huifang", "survey", "invite", *sys.argv[1:]])
"""

QUESTIONNAIRE = {
    "code": "QN-KILL",
    "title": "新开户回访问卷",
    "business_types": ["新开户回访"],
    "questions": [
        {
            "id": "identity",
            "text": "您是本人吗？",
            "type": "yes_no",
            "required": True,
            "options": [{"id": "yes", "text": "是"}, {"id": "no", "text": "否", "abnormal": True}],
        }
    ],
}


def test_a_bulk_invitation_killed_mid_way_leaves_every_table_as_before(data):
    import json

    batch = _batch(data)
    questionnaire = data / "qn.json"
    questionnaire.write_text(json.dumps(QUESTIONNAIRE, ensure_ascii=False), encoding="utf-8")
    published = _huifang(
        data, "survey", "import", str(questionnaire), "--publish", stdout=subprocess.DEVNULL
    )
    assert published.wait(timeout=120) == 0
    before = _counts(data)

    stopped = _python(
        data,
        INVITE_STOPPED_MID_WAY,
        "--batch",
        batch,
        "--channel",
        "h5",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _kill_when_stopped(stopped, "stopped")

    assert _counts(data) == before
    again = _huifang(
        data, "survey", "invite", "--batch", batch, "--channel", "h5", stdout=subprocess.PIPE
    )
    assert again.communicate(timeout=300)[0].decode().strip().splitlines()[-1] == str(CODES)


# ``huifang evidence --batch N --out FILE`` stopped for good while writing its third sheet.
EVIDENCE_STOPPED_MID_WAY = """
import sys, time, django
django.setup()
from huifang.reports.evidence import package
real = package.do_generate_evidence
def do_generate_evidence(scope, path, **kwargs):
    def stop(done, total, message=None):
        if done >= 3:
            print("stopped", done, flush=True)
            time.sleep(3600)
    return real(scope, path, **{**kwargs, "progress": stop})
package.do_generate_evidence = do_generate_evidence
from huifang.reports.management.commands import evidence
evidence.do_generate_evidence = do_generate_evidence
from huifang.cli import main
main(["huifang", "evidence", *sys.argv[1:]])
"""


def test_an_evidence_export_killed_mid_way_writes_no_file_and_no_row(data):
    batch = _batch(data)
    out = data / "evidence.xlsx"
    before = _counts(data)

    stopped = _python(
        data,
        EVIDENCE_STOPPED_MID_WAY,
        "--batch",
        batch,
        "--out",
        str(out),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _kill_when_stopped(stopped, "stopped 3")

    assert _counts(data) == before
    assert not out.exists()
    again = _huifang(data, "evidence", "--batch", batch, "--out", str(out))
    assert again.wait(timeout=300) == 0
    assert out.exists() and not list(data.glob(".evidence.xlsx.part"))
