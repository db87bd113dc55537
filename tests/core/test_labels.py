"""Codes never reach a page: job kinds, audit actions and sources have Chinese names."""

from __future__ import annotations

import pytest

from huifang.core import jobs
from huifang.core.templatetags import labels

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("callbacks.create_batch", "加入回访名单"),
        ("automation.run_plan", "执行回访计划"),
        ("customers.import", "数据导入"),
    ],
)
def test_a_job_kind_has_its_chinese_name(kind, label):
    assert jobs.kind_label(kind) == label


def test_every_job_kind_of_the_project_is_named():
    kinds = {k for k, f in jobs._handlers.items() if f.__module__.startswith("huifang.")}
    assert kinds and kinds <= set(jobs._labels)


def test_the_audit_filters_name_actions_and_sources():
    assert labels.source_label("web") == "网页"
    assert labels.action_label("measure_status") != "measure_status"


def test_the_job_list_shows_the_kind_by_name(client_for, personas):
    from huifang.core.models import Job

    Job.objects.create(
        kind="callbacks.create_batch",
        title="加入回访名单：筛选 #1",
        created_by=personas["hq_admin"],
    )

    page = client_for("hq_admin").get("/system/jobs/").content.decode()

    # the code is only the 类型 filter's option value, never shown
    shown = page.replace('value="callbacks.create_batch"', "")
    assert "加入回访名单" in shown and "callbacks.create_batch" not in shown


def test_the_job_list_is_filtered_by_the_kinds_name(client_for, personas):
    """类型 was a text box that wanted the code (rules.screen) the page never shows."""
    from huifang.core.models import Job

    for kind, title in [("rules.screen", "甲的筛选"), ("sms.send", "乙的短信")]:
        Job.objects.create(kind=kind, title=title, created_by=personas["hq_admin"])
    client = client_for("hq_admin")

    page = client.get("/system/jobs/").content.decode()
    assert '<option value="rules.screen">筛选</option>' in page
    listed = client.get("/system/jobs/", {"kind": "rules.screen"}).content.decode()
    assert "甲的筛选" in listed and "乙的短信" not in listed


def test_the_job_page_shows_the_kind_by_name(client_for, personas):
    from huifang.core.models import Job

    job = Job.objects.create(
        kind="sms.send", title="批量发送短信：ANNUAL", created_by=personas["hq_admin"]
    )

    page = client_for("hq_admin").get(f"/system/jobs/{job.pk}/").content.decode()

    assert "批量发送短信</dd>" in page and "sms.send" not in page
