"""``huifang batch create`` and ``huifang export tasks``."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.callbacks.models import CallbackTask
from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db


def run_command(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_batch_create_prints_counts_and_the_number_last(branches, annual):
    first, second = make_customer(branches["a1"]), make_customer(branches["b1"])
    call_command(
        "batch",
        "create",
        "--run",
        str(make_run({first: ["A003"]}).pk),
        "--business-type",
        "年度适当性回访",
        stdout=StringIO(),
    )
    run = make_run({first: ["A002"], second: ["A005"]})

    lines = run_command(
        "batch", "create", "--run", str(run.pk), "--business-type", "年度适当性回访"
    )

    assert "新建任务 1 条" in lines[0] and "合并到未完成任务 1 条" in lines[0]
    assert lines[-1] == "1000000002"


def test_batch_create_twice_creates_nothing(branches, annual):
    run = make_run({make_customer(branches["a1"]): ["A003"]})
    args = ("batch", "create", "--run", str(run.pk), "--business-type", "年度适当性回访")
    run_command(*args)

    lines = run_command(*args)

    assert "未新建任务" in lines[0] and lines[-1] == "1000000001"
    assert CallbackTask.objects.count() == 1


def test_batch_create_unknown_business_type_fails_clearly(branches):
    run = make_run({make_customer(branches["a1"]): ["A003"]})

    with pytest.raises(CommandError, match="回访业务类型“不存在的类型”不存在"):
        run_command("batch", "create", "--run", str(run.pk), "--business-type", "不存在的类型")


def test_batch_create_preview_run_fails_clearly(branches):
    run = make_run({make_customer(branches["a1"]): ["A003"]}, freeze=False)

    with pytest.raises(CommandError, match="已落地"):
        run_command("batch", "create", "--run", str(run.pk), "--business-type", "专项回访")


def test_export_tasks_writes_the_required_columns(branches, tmp_path):
    customer = make_customer(branches["a1"], code="00012345")
    run_command(
        "batch",
        "create",
        "--run",
        str(make_run({customer: ["A005", "A002"]}).pk),
        "--business-type",
        "年度适当性回访",
    )
    path = tmp_path / "tasks.csv"

    lines = run_command("export", "tasks", str(path))

    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert lines == [f"已导出 1 行到 {path}"]
    assert rows[0]["批次号"] == "1000000001"
    assert rows[0]["投资者代码"] == "00012345"
    assert rows[0]["筛选理由"] == "大额亏损客户；职业为“无业”的客户"
    assert rows[0]["回访业务类型"] == "年度适当性回访"
    assert rows[0]["处理状态"] == "未处理"
    assert rows[0]["部门代码"] == "010101"


def test_export_tasks_by_batch_and_status(branches, tmp_path):
    a, b = make_customer(branches["a1"]), make_customer(branches["b1"])
    run_command(
        "batch",
        "create",
        "--run",
        str(make_run({a: ["A003"]}).pk),
        "--business-type",
        "年度适当性回访",
    )
    run_command(
        "batch",
        "create",
        "--run",
        str(make_run({b: ["A003"]}).pk),
        "--business-type",
        "年度适当性回访",
    )
    CallbackTask.objects.filter(customer=b).update(status="cancelled")
    path = tmp_path / "tasks.xlsx"

    assert run_command("export", "tasks", str(path), "--batch", "1000000002")[0].startswith(
        "已导出 1 行"
    )
    assert run_command("export", "tasks", str(path), "--status", "未处理")[0].startswith(
        "已导出 1 行"
    )
    assert run_command("export", "tasks", str(path), "--status", "cancelled")[0].startswith(
        "已导出 1 行"
    )


def test_export_tasks_refuses_unknown_status_and_batch(tmp_path, db):
    path = str(tmp_path / "t.csv")
    with pytest.raises(CommandError, match="未知的处理状态"):
        run_command("export", "tasks", path, "--status", "做完了")
    with pytest.raises(CommandError, match="批次 9999999999 不存在"):
        run_command("export", "tasks", path, "--batch", "9999999999")
