"""推送外呼名单: the file's columns (full numbers), stable task refs, the audit row, and
signed pages of at most 1,000 to the call-center partner's URL."""

from __future__ import annotations

import csv

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks.models import CallbackTask
from huifang.channels.calls import services
from huifang.channels.calls.models import CallPush, CallRef
from huifang.core.models import AuditEvent
from huifang.partners.models import Delivery


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.django_db
def test_the_file_has_the_documented_columns_with_full_numbers(make_task, personas, tmp_path):
    task = make_task("a1", mobile="13900001111")
    out = tmp_path / "calls.csv"
    push = services.do_push(CallbackTask.objects.all(), actor=personas["hq_admin"], out=out)
    header, row = _read(out)
    assert header == [
        "task_ref",
        "投资者代码",
        "客户名称",
        "手机号",
        "营业部",
        "筛选理由",
        "截止日期",
    ]
    assert row[0] == CallRef.objects.get(task=task).ref
    assert row[1:5] == [
        task.customer.investor_code,
        task.customer.name,
        "13900001111",
        "期货北京营业部",
    ]
    assert row[5] == "新开户客户"
    assert push.count == 1 and push.file == str(out)


@pytest.mark.django_db
def test_a_task_keeps_its_ref_across_pushes(make_task, personas, tmp_path):
    make_task("a1")
    services.do_push(CallbackTask.objects.all(), actor=None, out=tmp_path / "1.csv")
    services.do_push(CallbackTask.objects.all(), actor=None, out=tmp_path / "2.csv")
    assert _read(tmp_path / "1.csv")[1][0] == _read(tmp_path / "2.csv")[1][0]
    assert CallRef.objects.count() == 1


@pytest.mark.django_db
def test_only_open_tasks_in_the_actors_scope_are_pushed(make_task, personas, tmp_path):
    make_task("a1")
    make_task("b1")
    closed = make_task("a1")
    CallbackTask.objects.filter(pk=closed.pk).update(status="cancelled")
    push = services.do_push(
        CallbackTask.objects.all(), actor=personas["manager_a"], out=tmp_path / "x.csv"
    )
    assert push.count == 1


@pytest.mark.django_db
def test_a_push_is_audited_with_the_export_row(make_task, personas, tmp_path):
    make_task("a1")
    push = services.do_push(
        CallbackTask.objects.all(), actor=personas["hq_admin"], out=tmp_path / "x.xlsx"
    )
    event = AuditEvent.objects.get(action="call_push")
    assert event.object_id == str(push.pk)
    assert event.user == personas["hq_admin"]
    assert "完整手机号" in event.message
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.django_db
def test_nothing_to_push_is_refused_and_writes_nothing(personas, tmp_path):
    with pytest.raises(ValidationError):
        services.do_push(
            CallbackTask.objects.all(), actor=personas["hq_admin"], out=tmp_path / "x.csv"
        )
    assert not CallPush.objects.exists()


@pytest.mark.django_db
def test_pages_of_at_most_1000_go_to_the_partners_url(
    make_task, make_partner, personas, tmp_path, monkeypatch
):
    monkeypatch.setattr(services, "PAGE_SIZE", 2)  # 5 tasks → 3 pages, as 2,500 → 3 of 1,000
    partner, _ = make_partner("外呼平台", "callcenter", url="https://calls.example.com/lists")
    for _ in range(5):
        make_task("a1")
    push = services.do_push(
        CallbackTask.objects.all(), actor=personas["hq_admin"], out=tmp_path / "x.csv"
    )
    pages = list(Delivery.objects.filter(partner=partner).order_by("id"))
    assert push.pages == 3 == len(pages)
    assert [len(p.payload["calls"]) for p in pages] == [2, 2, 1]
    assert pages[0].payload["type"] == "call_list"
    assert set(pages[0].payload["calls"][0]) == {
        "task_ref",
        "investor_code",
        "name",
        "mobile",
        "branch",
        "reasons",
        "deadline",
    }
    assert services.PAGE_SIZE <= 1000


def test_the_page_size_is_the_contracts():
    assert services.PAGE_SIZE == 1000


@pytest.mark.django_db
def test_no_partner_url_means_no_pages(make_task, make_partner, tmp_path):
    make_partner("外呼平台", "callcenter")
    make_task("a1")
    push = services.do_push(CallbackTask.objects.all(), actor=None, out=tmp_path / "x.csv")
    assert push.pages == 0 and not Delivery.objects.exists()


@pytest.mark.django_db
def test_the_command_pushes_a_batch_and_prints_the_file_last(make_task, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from huifang.callbacks.models import TaskBatch

    task = make_task("a1")
    make_task("a1")  # another batch
    TaskBatch.objects.create(task=task, batch=task.batch, kind="created", rule_codes=",A001,")
    out = StringIO()
    call_command(
        "callcenter",
        "push",
        "--batch",
        task.batch.number,
        "--out",
        str(tmp_path / "l.csv"),
        stdout=out,
    )
    assert out.getvalue().strip().splitlines()[-1] == str(tmp_path / "l.csv")
    assert len(_read(tmp_path / "l.csv")) == 2
    assert AuditEvent.objects.get(action="call_push").actor_label == "command:callcenter push"


@pytest.mark.django_db
def test_the_command_with_nothing_to_push_says_so_and_succeeds(make_task, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    task = make_task("a1")
    CallbackTask.objects.filter(pk=task.pk).update(status="completed")
    out = StringIO()
    call_command("callcenter", "push", "--out", str(tmp_path / "l.csv"), stdout=out)  # no raise
    assert "没有可推送的未完成回访任务" in out.getvalue().strip().splitlines()[-1]
    assert not CallPush.objects.exists() and not (tmp_path / "l.csv").exists()


@pytest.mark.django_db
def test_the_command_refuses_a_closed_status_naming_the_open_ones(make_task, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    make_task("a1")
    with pytest.raises(CommandError, match="--status 可选 未处理、处理中、未完成"):
        call_command("callcenter", "push", "--status", "已完成", "--out", str(tmp_path / "l.csv"))
    assert not CallPush.objects.exists() and not (tmp_path / "l.csv").exists()
