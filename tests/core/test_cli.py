"""The ``huifang`` console script ends with a Chinese message and status 1, not a
traceback, when the database is the problem rather than the command: a new data directory
not migrated yet, or a database that cannot be reached."""

from __future__ import annotations

from tests.core.test_config import run_python


def test_a_command_before_migrate_asks_for_huifang_migrate(tmp_path):
    result = run_python(["-m", "huifang.cli", "rules", "list"], {}, tmp_path)
    assert result.returncode == 1
    assert "请先运行 huifang migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_named_without_a_traceback(tmp_path):
    url = {"HUIFANG_DATABASE_URL": "postgres://nobody@127.0.0.1:1/huifang"}
    result = run_python(["-m", "huifang.cli", "rules", "list"], url, tmp_path)
    assert result.returncode == 1
    assert "无法连接数据库（请检查 HUIFANG_DATABASE_URL）" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_error_is_the_chinese_message_without_djangos_english_prefix(tmp_path):
    result = run_python(["-m", "huifang.cli", "screen", "--as-of", "2025-13-01"], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "错误：--as-of “2025-13-01”不是有效日期（应为 2025-12-31、2025/12/31 或 20251231）\n"
    )


def test_a_database_not_set_up_is_said_with_the_same_prefix(tmp_path):
    result = run_python(["-m", "huifang.cli", "rules", "list"], {}, tmp_path)
    assert result.stderr == "错误：数据库尚未初始化或有未应用的迁移：请先运行 huifang migrate\n"


def test_traceback_still_shows_the_command_error(tmp_path):
    argv = ["-m", "huifang.cli", "screen", "--as-of", "2025-13-01", "--traceback"]
    result = run_python(argv, {}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "CommandError" in result.stderr


def test_help_is_chinese_including_the_options_django_adds(tmp_path):
    result = run_python(["-m", "huifang.cli", "export", "--help"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("用法：")
    for english in ("Verbosity level", "stack trace", "colorize", "Skip system checks"):
        assert english not in result.stdout
    assert "--traceback           出错（CommandError）时显示完整的调用栈" in result.stdout


def test_an_unknown_command_is_named_in_chinese_with_the_nearest_one(tmp_path):
    result = run_python(["-m", "huifang.cli", "exprot", "tasks", "x.csv"], {}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "未知命令：exprot（是否要运行 export？）"
    assert "Unknown command" not in result.stderr


def test_help_lists_the_commands_in_chinese(tmp_path):
    result = run_python(["-m", "huifang.cli", "help"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "全部命令：" in result.stdout and "    export\n" in result.stdout
    assert "Available subcommands" not in result.stdout


def test_start_up_leaves_the_customer_importer_unimported(tmp_path):
    """Every ``huifang`` command sets Django up; the importer (openpyxl, numpy, the
    readers) is imported when a file is imported, not at start-up."""
    code = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'huifang.settings'; "
        "import django; django.setup(); "
        "print(sorted(m for m in sys.modules if m in ("
        "'huifang.customers.importers.engine', 'openpyxl', 'numpy')))"
    )
    result = run_python(["-c", code], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
