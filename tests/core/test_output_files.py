"""A command's output path is checked before any work: a clear Chinese refusal for a path
that cannot be written, nothing left behind (``screen --freeze`` freezes no run)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.rules.models import ScreeningRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/x.csv", "目录不存在"),
        ("taken.csv", "输出文件是一个已存在的目录"),
        ("x.txt", "输出文件须以 .csv 或 .xlsx 结尾"),
    ],
)
def test_export_refuses_an_output_path_it_cannot_write(tmp_path, name, message):
    (tmp_path / "taken.csv").mkdir()

    with pytest.raises(CommandError, match=message):
        call_command("export", "tasks", str(tmp_path / name), stdout=io.StringIO())


def test_a_read_only_directory_is_refused(tmp_path):
    import os

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: make it a file in its place
        locked.rmdir()
        locked.write_text("")
    with pytest.raises(CommandError):
        call_command("report", "progress", "--out", str(locked / "p.csv"), stdout=io.StringIO())


def test_screen_freeze_with_an_unwritable_out_freezes_nothing(tmp_path):
    with pytest.raises(CommandError, match="目录不存在"):
        call_command(
            "screen",
            "--as-of",
            "2025-12-31",
            "--freeze",
            "--allow-incomplete",
            "--out",
            str(tmp_path / "missing" / "x.csv"),
            stdout=io.StringIO(),
        )

    assert not ScreeningRun.objects.exists()


def test_a_file_error_the_command_did_not_foresee_is_a_chinese_line_not_a_traceback(
    monkeypatch, capsys
):
    from huifang import cli

    class FullDisk:
        def __init__(self, argv):
            pass

        def execute(self):
            raise OSError(28, "No space left on device", "/data/x.csv")

    monkeypatch.setattr(cli, "utility", lambda: FullDisk)

    with pytest.raises(SystemExit) as stopped:
        cli.main(["huifang", "export", "tasks", "/data/x.csv"])

    assert stopped.value.code == 1
    assert capsys.readouterr().err == "错误：无法读写文件 /data/x.csv：No space left on device\n"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["batch", "create", "--run", "abc", "--business-type", "x"], "无效的 int 值：'abc'"),
        (["partner", "create", "X", "--kind", "foo"], "无效的选项：'foo'"),
        (["batch", "create"], "缺少必需的参数：--run, --business-type"),
    ],
)
def test_a_bad_argument_is_said_in_chinese(argv, said, capsys):
    from huifang import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["huifang", *argv])

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "错误：" in err and "error" not in err
