"""自动导入 (drop folders): a settled file is imported and moved to done/, a bad one is
refused whole and moved to failed/ with its row report, a file still being written is left
alone, files go in name order and datasets in dependency order, two passes racing import a
file once, and a failure is announced with ``intake_failed`` after commit."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from huifang.automation import dropfolder, intake
from huifang.automation.models import IntakeRun, IntakeStatus
from huifang.automation.signals import intake_failed
from huifang.core import audit
from huifang.core.models import AuditEvent
from huifang.customers.models import Customer, ImportRecord
from huifang.org.models import Branch

BRANCH_HEADER = "部门代码,部门名称,上级部门代码"
CUSTOMER_HEADER = "投资者代码,投资者名称,客户类型,开户日期,客户状态,部门代码"


@pytest.fixture
def root(settings, tmp_path) -> Path:
    settings.INTAKE_DIR = tmp_path / "intake"
    settings.INTAKE_SETTLE_SECONDS = 60
    return settings.INTAKE_DIR


@pytest.fixture
def drop(root):
    """``drop("branches", "a.csv", lines, age=120)`` → the file, last modified ``age`` s ago."""

    def write(dataset: str, name: str, lines: list[str], age: float = 120) -> Path:
        path = root / dataset / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        moment = time.time() - age
        os.utime(path, (moment, moment))
        return path

    return write


def run_pass(**kwargs) -> list[IntakeRun]:
    with audit.acting(label="job:自动导入"):
        return intake.run_pass(**kwargs)


def test_a_good_file_is_imported_and_moved_to_done(branches, root, drop):
    drop("branches", "20251231.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])

    [run] = run_pass()

    assert Branch.objects.get(code="010102").parent == branches["a"]
    assert run.status == IntakeStatus.APPLIED and run.file_name == "20251231.csv"
    assert run.import_record.status == ImportRecord.Status.APPLIED
    assert run.import_record.source == "job:自动导入" and run.import_record.user is None
    assert run.moved_to == str(root / "branches" / "done" / "20251231.csv")
    assert Path(run.moved_to).is_file() and not (root / "branches" / "20251231.csv").exists()
    assert list((root / "branches" / "processing").iterdir()) == []
    assert len(run.checksum) == 64 and run.finished_at is not None
    event = AuditEvent.objects.get(action="intake_import")
    assert event.actor_label == "job:自动导入" and event.object_id == str(run.pk)


def test_a_bad_file_is_refused_whole_and_moved_to_failed_with_its_report(branches, root, drop):
    drop(
        "branches",
        "20251231.csv",
        [BRANCH_HEADER, "010102,期货北京第二营业部,0101", "010103,无上级,9999"],
    )

    [run] = run_pass()

    assert not Branch.objects.filter(code__in=["010102", "010103"]).exists()
    assert run.status == IntakeStatus.REJECTED
    assert run.import_record.status == ImportRecord.Status.REJECTED
    failed = root / "branches" / "failed"
    assert run.moved_to == str(failed / "20251231.csv") and Path(run.moved_to).is_file()
    assert run.report_path == str(failed / "20251231.csv.errors.xlsx")
    rows = list(load_workbook(run.report_path).active.values)
    assert rows[0] == ("行号", "列", "值", "原因")
    assert rows[1][:3] == (3, "上级部门代码", "9999")
    assert AuditEvent.objects.get(action="intake_rejected").object_id == str(run.pk)


def test_a_failure_is_announced_after_commit(
    branches, root, drop, django_capture_on_commit_callbacks
):
    drop("branches", "bad.csv", ["不是表头", "x"])
    heard = []

    def receiver(sender, intake_run, **kwargs):
        heard.append(intake_run)

    intake_failed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            [run] = run_pass()
        assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        intake_failed.disconnect(receiver)

    assert heard == [run] and heard[0].status == IntakeStatus.REJECTED


def test_a_receiver_that_raises_does_not_stop_the_intake(branches, root, drop, run_jobs):
    drop("branches", "bad.csv", ["不是表头", "x"])

    def broken(sender, intake_run, **kwargs):
        raise RuntimeError("通知坏了")

    intake_failed.connect(broken)
    try:
        with run_jobs():
            [run] = run_pass()
    finally:
        intake_failed.disconnect(broken)

    assert Path(run.moved_to).parent.name == "failed"


def test_a_good_file_announces_nothing(branches, root, drop, run_jobs):
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    heard = []
    intake_failed.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        with run_jobs():
            run_pass()
    finally:
        intake_failed.disconnect(dispatch_uid="t")

    assert heard == []


def test_a_file_modified_within_the_settle_time_is_not_picked_up(branches, root, drop):
    path = drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"], age=5)

    assert run_pass() == []

    assert path.is_file() and not IntakeRun.objects.exists()
    assert not Branch.objects.filter(code="010102").exists()


def test_a_file_still_growing_between_two_looks_is_not_picked_up(branches, root, drop):
    first = drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    second = drop("branches", "b.csv", [BRANCH_HEADER, "010103,期货北京第三营业部,0101"])
    real_import = intake.import_file

    def import_while_b_grows(dataset, path, **kwargs):
        # The writer appends to b.csv while a.csv is imported, keeping its old mtime so that
        # only the second look (size changed since the listing) can tell.
        stat = second.stat()
        with open(second, "a", encoding="utf-8") as handle:
            handle.write("010104,期货北京第四营业部,0101\n")
        os.utime(second, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        return real_import(dataset, path, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(intake, "import_file", import_while_b_grows)
        runs = run_pass()

    assert [r.file_name for r in runs] == ["a.csv"]
    assert second.is_file() and not first.exists()
    [later] = run_pass()
    assert later.file_name == "b.csv" and later.status == IntakeStatus.APPLIED
    assert Branch.objects.filter(code__in=["010103", "010104"]).count() == 2


def test_settled_compares_with_the_previous_look(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n")
    os.utime(path, (time.time() - 120, time.time() - 120))
    [seen] = dropfolder.waiting(tmp_path)
    assert dropfolder.settled(seen, 60)

    with open(path, "a") as handle:
        handle.write("y\n")

    assert not dropfolder.settled(seen, 0)


def test_files_are_imported_in_name_order(branches, root, drop):
    # 2.csv names a parent that only 1.csv creates: the other order would be refused.
    drop("branches", "2.csv", [BRANCH_HEADER, "01010201,下级营业部,010102"], age=300)
    drop("branches", "1.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"], age=120)

    runs = run_pass()

    assert [(r.file_name, r.status) for r in runs] == [("1.csv", "applied"), ("2.csv", "applied")]
    assert Branch.objects.get(code="01010201").parent.code == "010102"


def test_a_file_not_yet_settled_holds_back_later_names_and_datasets(branches, root, drop):
    held = drop("branches", "1.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"], age=1)
    later = drop("branches", "2.csv", [BRANCH_HEADER, "010103,期货北京第三营业部,0101"])
    customers = drop(
        "customers", "c.csv", [CUSTOMER_HEADER, "00000901,王五,自然人,2020-01-15,有效,0101"]
    )

    assert run_pass() == []

    assert held.is_file() and later.is_file() and customers.is_file()


def test_datasets_go_in_dependency_order(branches, root, drop):
    # The customer's branch comes in the same pass's branches file.
    drop("customers", "a.csv", [CUSTOMER_HEADER, "00000901,王五,自然人,2020-01-15,有效,010102"])
    drop("branches", "z.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])

    runs = run_pass()

    assert [(r.dataset, r.status) for r in runs] == [
        ("branches", "applied"),
        ("customers", "applied"),
    ]
    assert Customer.objects.get(investor_code="00000901").branch.code == "010102"


def test_one_dataset_only(branches, root, drop):
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    drop("customers", "a.csv", [CUSTOMER_HEADER, "00000901,王五,自然人,2020-01-15,有效,0101"])

    [run] = run_pass(dataset="customers")

    assert run.dataset == "customers" and (root / "branches" / "a.csv").is_file()


def test_two_passes_racing_import_a_file_once(branches, root, drop):
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    real_claim = dropfolder.claim
    inner = []

    def claim_after_another_pass(seen):
        # Between this pass's look and its claim, a second pass (another worker) runs whole.
        if not inner:
            inner.append([])
            inner[0] = intake.run_pass()
        return real_claim(seen)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dropfolder, "claim", claim_after_another_pass)
        outer = run_pass()

    assert outer == [] and len(inner[0]) == 1
    assert IntakeRun.objects.count() == 1 and ImportRecord.objects.count() == 1


def test_a_claim_is_won_once(tmp_path):
    (tmp_path / "processing").mkdir()
    (tmp_path / "a.csv").write_text("x\n")
    [seen] = dropfolder.waiting(tmp_path)

    first, second = dropfolder.claim(seen), dropfolder.claim(seen)

    assert first is not None and first.parent.name == "processing" and second is None


def test_the_same_name_dropped_again_keeps_both_copies(branches, root, drop):
    line = [BRANCH_HEADER, "010102,期货北京第二营业部,0101"]
    drop("branches", "a.csv", line)
    run_pass()
    drop("branches", "a.csv", line)

    [run] = run_pass()

    assert run.moved_to == str(root / "branches" / "done" / "a (2).csv")
    assert run.import_record.unchanged == 1


def test_folders_are_created_and_temporary_names_ignored(branches, root, drop):
    drop("branches", ".a.csv.part", [BRANCH_HEADER])
    drop("branches", "~$a.xlsx", [BRANCH_HEADER])
    drop("branches", "a.txt", [BRANCH_HEADER])

    assert run_pass() == []

    for dataset in intake.DATASETS:
        for sub in ("processing", "done", "failed"):
            assert (root / dataset / sub).is_dir()


def test_intake_off_without_the_setting(settings, db):
    settings.INTAKE_DIR = None

    assert run_pass() == []


def test_a_pass_killed_while_importing_is_failed_at_the_next_start(branches, root, drop):
    path = drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    dropfolder.ensure(root / "branches")
    [seen] = dropfolder.waiting(path.parent)
    claimed = dropfolder.claim(seen)
    run = IntakeRun.objects.create(
        dataset="branches", file_name="a.csv", moved_to=str(claimed), runner="dead~1~x"
    )

    assert intake.recover_abandoned(lambda mark: mark == "dead~1~x") == 1

    run.refresh_from_db()
    assert run.status == IntakeStatus.FAILED and "进程已中断" in run.error
    assert Path(run.moved_to) == root / "branches" / "failed" / "a.csv"
    assert Path(run.report_path).is_file()


def test_an_error_while_importing_fails_the_file_with_a_report(branches, root, drop, run_jobs):
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])
    heard = []
    intake_failed.connect(lambda **kw: heard.append(kw["intake_run"]), weak=False, dispatch_uid="e")

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    try:
        with pytest.MonkeyPatch.context() as patch, run_jobs():
            patch.setattr(intake, "import_file", broken)
            [run] = run_pass()
    finally:
        intake_failed.disconnect(dispatch_uid="e")

    assert run.status == IntakeStatus.FAILED and "磁盘已满" in run.error
    assert run.moved_to == str(root / "branches" / "failed" / "a.csv")
    rows = list(load_workbook(run.report_path).active.values)
    assert rows[1][2:] == ("a.csv", "导入出错：磁盘已满")
    assert heard == [run]
    assert AuditEvent.objects.get(action="intake_failed").object_id == str(run.pk)


def test_a_file_that_cannot_be_moved_stays_claimed_and_says_so(branches, root, drop):
    drop("branches", "a.csv", [BRANCH_HEADER, "010102,期货北京第二营业部,0101"])

    def refuse(claimed, outcome):
        raise PermissionError("权限不足")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dropfolder, "move", refuse)
        [run] = run_pass()

    assert run.status == IntakeStatus.APPLIED and "文件未能移动" in run.error
    assert Path(run.moved_to).parent == root / "branches" / "processing"
    assert Branch.objects.filter(code="010102").exists()
