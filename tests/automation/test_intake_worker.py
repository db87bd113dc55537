"""自动导入 in the worker and on the command line: ``tick_intake`` runs a pass as
``job:自动导入`` and queues the next a minute later while the setting is on;
``huifang intake run|list``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from huifang.automation import tasks
from huifang.automation.models import IntakeRun, IntakeStatus
from huifang.core.models import AuditEvent
from tests.conftest import DB_QUEUE, waiting

from .test_intake import BRANCH_HEADER, drop, root  # noqa: F401  (fixtures)

GOOD = [BRANCH_HEADER, "010102,期货北京第二营业部,0101"]
BAD = [BRANCH_HEADER, "010103,无上级,9999"]


def queued():
    return waiting(tasks.tick_intake)


def call(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_the_intake_tick_runs_a_pass_as_the_worker(branches, root, drop):  # noqa: F811
    drop("branches", "a.csv", GOOD)

    result = tasks.tick_intake.enqueue()

    assert result.return_value == 1
    run = IntakeRun.objects.get()
    assert run.status == IntakeStatus.APPLIED and run.source == tasks.INTAKE_LABEL
    assert AuditEvent.objects.get(action="intake_import").actor_label == tasks.INTAKE_LABEL


def test_the_next_pass_is_queued_a_minute_later_once(settings, db, root):  # noqa: F811
    settings.TASKS = DB_QUEUE
    now = timezone.now()

    assert tasks.ensure_intake_tick(now) is True
    assert tasks.ensure_intake_tick(now) is False

    assert queued().get().run_after == now + tasks.INTAKE_EVERY


def test_without_the_setting_no_pass_is_queued(settings, db):
    settings.TASKS = DB_QUEUE
    settings.INTAKE_DIR = None

    assert tasks.ensure_intake_tick() is False
    assert not queued().exists()


def test_a_starting_worker_starts_the_chain(settings, db, root):  # noqa: F811
    from huifang.core import liveness

    settings.TASKS = DB_QUEUE

    liveness.recover()

    assert queued().count() == 1


def test_intake_run_prints_one_line_per_file_and_fails_when_one_failed(branches, root, drop):  # noqa: F811
    drop("branches", "1.csv", GOOD)
    drop("branches", "2.csv", BAD)
    out = StringIO()

    with pytest.raises(CommandError, match="1 个文件未导入"):
        call_command("intake", "run", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("部门 1.csv：已导入，共 1 行：新增 1，更新 0，未变 0，拒绝 0")
    assert lines[1].startswith("部门 2.csv：已拒绝，未写入任何数据")
    assert lines[-1] == "已处理 2 个文件，其中未导入 1 个"
    actions = AuditEvent.objects.filter(actor_label="command:intake").values_list(
        "action", flat=True
    )
    assert {"intake_import", "intake_rejected"} <= set(actions)


def test_intake_run_exit_status_is_one_on_failure(branches, root, drop):  # noqa: F811
    from huifang.cli import main

    drop("branches", "2.csv", BAD)

    with pytest.raises(SystemExit) as exit_:
        main(["huifang", "intake", "run"])

    assert exit_.value.code == 1


def test_intake_run_of_one_dataset(branches, root, drop):  # noqa: F811
    drop("branches", "a.csv", GOOD)

    lines = call("intake", "run", "--dataset", "customers")

    assert lines == ["已处理 0 个文件，其中未导入 0 个"]
    assert not IntakeRun.objects.exists()


def test_intake_run_refuses_when_intake_is_off(settings, db):
    settings.INTAKE_DIR = None

    with pytest.raises(CommandError, match="HUIFANG_INTAKE_DIR"):
        call("intake", "run")


def test_intake_list_shows_recent_runs(branches, root, drop):  # noqa: F811
    drop("branches", "a.csv", GOOD)
    call("intake", "run")

    lines = call("intake", "list")

    assert lines[0].startswith("开始时间\t数据集\t文件名\t状态")
    assert "\t部门\ta.csv\t已导入\t共 1：新增 1" in lines[1]
