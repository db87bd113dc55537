"""``huifang import``: counts on success; exit non-zero with the row report on failure."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.customers.models import Customer
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS


def test_command_prints_counts(branches, imp_write_csv, capsys):
    call_command("import", "customers", str(imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS, "gbk")))
    out = capsys.readouterr().out
    assert "共 3 行：新增 3，更新 0，未变 0，拒绝 0" in out
    assert Customer.objects.count() == 3


def test_command_fails_with_the_row_report_and_writes_nothing(branches, imp_write_csv, capsys):
    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[2][2] = "个人"
    with pytest.raises(CommandError) as failure:
        call_command("import", "customers", str(imp_write_csv(CUSTOMER_HEADER, rows)))
    assert "导入被拒绝，未写入任何数据：1 行有错误" in str(failure.value)
    assert str(failure.value).count("未写入任何数据") == 1
    err = capsys.readouterr().err
    assert "4\t客户类型\t个人\t取值不在允许范围内" in err
    assert not Customer.objects.exists()


def test_command_exit_code_is_non_zero(branches, imp_write_csv):
    from huifang.cli import main

    rows = [list(r) for r in CUSTOMER_ROWS]
    rows[0][9] = "999"
    with pytest.raises(SystemExit) as exit_:
        main(["huifang", "import", "customers", str(imp_write_csv(CUSTOMER_HEADER, rows))])
    assert exit_.value.code == 1


def test_command_with_a_scoped_user(personas, imp_write_csv, capsys):
    with pytest.raises(CommandError):
        call_command(
            "import",
            "customers",
            str(imp_write_csv(CUSTOMER_HEADER, CUSTOMER_ROWS)),
            "--user",
            "agent_a",
        )
    assert not Customer.objects.exists()


def test_command_missing_file(db):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", "daily", "/nonexistent.csv")


def test_an_unreadable_file_is_refused_with_its_reason_not_a_row_table(db, tmp_path, capsys):
    path = tmp_path / "客户.xls"
    path.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(CommandError) as failure:
        call_command("import", "customers", str(path))
    assert str(failure.value).startswith(
        "导入被拒绝，未写入任何数据：无法读取文件：不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV"
    )
    assert "行号" not in capsys.readouterr().err


def test_command_a_directory_for_the_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match=f"^不是文件，是一个目录：{tmp_path}$"):
        call_command("import", "customers", str(tmp_path))
