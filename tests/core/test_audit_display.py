"""The audit log reads in Chinese (issue 14): action and object type by name, each field's
before → after with its label and the value as the pages show it, times in Asia/Shanghai,
the stored JSON one click away."""

from __future__ import annotations

import csv
import io

import pytest

from huifang.core import audit
from huifang.core.audit_display import Change, describe

pytestmark = pytest.mark.django_db

TASK = "callbacks.callbacktask"


def _event(action: str, object_type: str = TASK, **values):
    return audit.record(
        action, object_type=object_type, object_id="7", object_repr="回访任务 #7", **values
    )


def test_an_automatic_distribution_reads_in_chinese(personas):
    agent = personas["agent_a"]
    view = describe(
        _event(
            "distribute",
            before={"assignee": None},
            after={"assignee": agent.pk, "assignee_name": agent.username},
        )
    )
    assert view.action == "自动分派任务"
    assert view.type_label == "回访任务"
    assert view.changes == [Change("回访专员", "—", "agent_a", changed=True)]


def test_a_reassignment_is_one_line_naming_both_people_by_their_names(personas):
    old, new = personas["agent_a"], personas["agent_b"]
    old.full_name, new.full_name = "王芳", "李娜"
    old.save(update_fields=["full_name"])
    new.save(update_fields=["full_name"])
    view = describe(
        _event(
            "assign",
            before={"assignee": old.pk, "assignee_name": old.username},
            after={"assignee": new.pk, "assignee_name": new.username},
        )
    )
    assert view.changes == [Change("回访专员", "王芳（agent_a）", "李娜（agent_b）", changed=True)]
    assert (view.changes[0].before_person, view.changes[0].after_person) == (old, new)
    assert view.changes_text() == "回访专员：王芳（agent_a） → 李娜（agent_b）"


def test_the_stored_name_stands_in_for_a_user_who_no_longer_exists(personas):
    view = describe(
        _event(
            "assign",
            before={"assignee": 987654, "assignee_name": "departed"},
            after={"assignee": personas["agent_a"].pk, "assignee_name": "agent_a"},
        )
    )
    assert view.changes == [Change("回访专员", "departed", "agent_a", changed=True)]


def test_a_name_key_without_its_relation_is_still_shown():
    view = describe(_event("update", after={"assignee_name": "agent_a"}))
    assert [c.label for c in view.changes] == ["回访专员用户名"]


def test_a_choice_shows_its_label_not_its_code():
    view = describe(
        _event(
            "task_cancel",
            before={"status": "new"},
            after={"status": "cancelled", "reason": "客户已销户"},
        )
    )
    assert view.action == "取消任务"
    status = next(c for c in view.changes if c.label == "处理状态")
    assert (status.before, status.after) == ("未处理", "已取消")
    reason = next(c for c in view.changes if c.label == "原因")
    assert reason.after == "客户已销户"


def test_a_time_is_shown_in_shanghai_not_utc():
    view = describe(
        _event(
            "task_attempts",
            before={"attempt_count": 0, "last_attempt_at": None},
            after={"attempt_count": 1, "last_attempt_at": "2026-12-03T01:05:00+00:00"},
        )
    )
    assert view.action == "更新回访次数"
    last = next(c for c in view.changes if c.label == "最近回访时间")
    assert (last.before, last.after) == ("—", "2026-12-03 09:05:00")


def test_money_has_thousands_separators_and_two_decimals():
    view = describe(
        _event(
            "update",
            object_type="customers.dailybalance",
            before={"equity": "1234567.5"},
            after={"equity": "-20000"},
        )
    )
    assert view.type_label == "客户资金日报"
    assert view.changes == [Change("当日权益", "1,234,567.50", "-20,000.00", changed=True)]


def test_the_raw_json_is_kept_with_its_chinese_readable():
    view = describe(_event("task_cancel", after={"reason": "客户已销户"}))
    assert '"reason": "客户已销户"' in view.raw
    assert "\\u" not in view.raw


def test_the_source_of_a_command_or_job_is_named():
    with audit.acting(label="command:import"):
        assert describe(_event("import")).source == "命令行（导入）"
    with audit.acting(label="job:42"):
        assert describe(_event("import")).source == "后台任务 42"


def test_each_command_has_a_chinese_name():
    """命令 demo read as 命令行（演示数据）, and so every command of the project."""
    from django.core.management import get_commands

    from huifang.core.actors import Actor
    from huifang.core.audit_display import COMMAND_NAMES, source_label

    ours = {name for name, app in get_commands().items() if app.startswith("huifang")}
    assert ours - set(COMMAND_NAMES) == set()
    assert source_label("command:demo") == "命令行（演示数据）"
    assert source_label("command:token create") == "命令行（API 令牌 create）"
    assert Actor(label="command:demo").name == "命令行（演示数据）"


# ---------------------------------------------------------------- the audit log page


def _table(html: str) -> str:
    """The list's table, with the 原始数据 tables nested in its rows (its last ``</table>``)."""
    return html[html.index("<table") : html.rindex("</table>")]


def test_the_audit_log_page_shows_labels_values_and_the_raw_json(client_for, personas):
    agent = personas["agent_a"]
    _event(
        "distribute",
        before={"assignee": None},
        after={"assignee": agent.pk, "assignee_name": agent.username},
    )
    table = _table(client_for("auditor").get("/system/audit/?action=distribute").content.decode())
    assert "自动分派任务" in table and "回访任务" in table
    changes = table[table.index("audit-changes") : table.index("</ul>")]
    assert "回访专员：</span>" in changes and "回访专员用户名" not in changes
    # 原始数据 keeps every stored key, the companion too, under its label.
    assert '<th scope="row" title="assignee_name">回访专员用户名</th>' in table
    assert '<span class="person" title="用户名：agent_a">agent_a</span>' in table
    assert "<details" in table and "&quot;assignee_name&quot;: &quot;agent_a&quot;" in table
    for code in (">distribute<", "callbacks.callbacktask", "{&#x27;"):
        assert code not in table


def test_the_audit_export_carries_the_readable_text_and_the_json(client_for, personas):
    _event("task_cancel", before={"status": "new"}, after={"status": "cancelled"})
    response = client_for("auditor").get("/system/audit/?action=task_cancel&_export=csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    row = rows[0]
    assert row["动作"] == "取消任务"
    assert row["对象类型"] == "回访任务"
    assert row["变更内容"] == "处理状态：未处理 → 已取消"
    assert '"status": "cancelled"' in row["原始数据（JSON）"]


def test_the_audit_log_filters_by_a_chinese_action_name(client_for):
    html = client_for("auditor").get("/system/audit/").content.decode()
    assert '<option value="distribute">自动分派任务</option>' in html


def test_an_event_as_text_names_its_action_in_chinese_at_shanghai_time():
    import datetime

    event = _event("distribute")
    utc = datetime.datetime(2026, 12, 3, 1, 5, tzinfo=datetime.UTC)
    event.time = utc
    assert str(event) == "2026-12-03 09:05:00 自动分派任务 回访任务 #7"


def _screening(**after):
    return audit.record(
        "screen", object_type="rules.screeningrun", object_id="3", object_repr="筛选", after=after
    )


def test_screening_rule_versions_read_as_numbers():
    view = describe(_screening(rule_versions={"A001": 1, "A002": 2}))
    assert Change("规则版本", "—", "A001 v1；A002 v2", changed=False) in view.changes


def test_older_screening_rows_map_version_ids_to_numbers(personas):
    from huifang.rules import services
    from huifang.rules.models import Rule

    rule = Rule.objects.get(code="A002")
    new = services.do_update_rule(rule, {"min_loss_amount": "1"}, actor=personas["hq_admin"])
    first = rule.versions.get(number=1)
    a001 = Rule.objects.get(code="A001").current_version
    view = describe(_screening(rules={"A001": a001.pk, "A002": first.pk}))
    versions = next(c for c in view.changes if c.label == "规则版本")
    assert versions.after == f"A001 v{a001.number}；A002 v1" and new.number == 2


def test_a_name_stored_in_place_of_an_id_shows_without_a_hash():
    view = describe(
        audit.record(
            "batch_create",
            object_type="callbacks.batch",
            object_id="1",
            object_repr="批次",
            after={"business_type": "年度适当性回访"},
        )
    )
    assert view.changes[0].after == "年度适当性回访"


def test_a_job_kind_reads_as_the_job_title():
    from huifang.core.models import Job

    job = Job.objects.create(kind="callbacks.create_batch", title="加入回访名单：筛选 #7")
    view = describe(audit.record("job_start", job, after={"kind": job.kind, "params": {"run": 7}}))
    kind = next(c for c in view.changes if c.label == "类型")
    assert kind.after == "加入回访名单：筛选 #7"


def test_a_batch_and_its_jobs_read_without_english_keys():
    """加入回访名单's row showed candidates / sampled, its job's and an import job's params
    distribute / path / skip_invalid as stored."""
    from huifang.core.models import Job

    batch = describe(
        _event("batch_create", "callbacks.batch", after={"candidates": 17, "sampled": 17})
    )
    assert [c.label for c in batch.changes] == ["可抽样客户数", "抽中客户数"]
    job = Job.objects.create(kind="customers.import", title="导入客户：a.csv")
    params = {"dataset": "customers", "path": "imports/a.csv", "skip_invalid": False}
    started = describe(
        audit.record("job_start", job, after={"params": {**params, "distribute": True}})
    )
    shown = next(c for c in started.changes if c.label == "参数").after
    for key in ("distribute", "path", "skip_invalid"):
        assert key not in shown
    assert "文件路径" in shown and "跳过无效行" in shown and "生成后自动分配" in shown


def test_an_sms_batch_an_attachment_and_a_questionnaire_answer_read_in_chinese():
    """The audit page showed template / queued / held / forced, 类型：file, 状态：pending →
    other and question / options as stored."""
    queued = describe(
        _event(
            "sms_queue",
            "sms.smstemplate",
            after={"template": "REMIND", "queued": 15, "held": 0, "forced": False},
        )
    )
    assert [(c.label, c.after) for c in queued.changes] == [
        ("短信模板", "REMIND"),
        ("已排队", "15"),
        ("等待发送时段", "0"),
        ("今日已发送也再发", "否"),
    ]
    attached = describe(
        _event("record_attachment", "records.callbackrecord", after={"kind": "file"})
    )
    assert [(c.label, c.after) for c in attached.changes] == [("类型", "上传文件")]
    answered = describe(
        _event(
            "response_submit",
            "surveys.response",
            before={"status": "opened"},
            after={"status": "other", "answers": [{"question": "identity", "options": ["no"]}]},
        )
    )
    status = next(c for c in answered.changes if c.label == "状态")
    assert (status.before, status.after) == ("已打开", "其他")
    answers = next(c for c in answered.changes if "identity" in c.after)
    assert "题目：identity" in answers.after and "选项：no" in answers.after
