"""Issue 14, defects 1 and 10 in a browser: every list's 导出 gives the rows the page shows,
lists fit a 1366-px screen, select-all-matching, forms after an error, 平均分配."""

from __future__ import annotations

import csv
import datetime
import itertools

import pytest
from playwright.sync_api import expect

from tests.customers import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

_numbers = itertools.count(1)


def make_task(branch, business_type, **fields):
    from huifang.callbacks.models import Batch, CallbackTask, TaskBatch
    from huifang.rules.models import ScreeningRun

    n = next(_numbers)
    customer = factories.customer(f"0900{n:06d}", branch, mobile="13812345678")
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(
        number=str(3_000_000_000 + n), run=run, business_type=business_type, as_of=run.as_of
    )
    task = CallbackTask.objects.create(
        customer=customer,
        branch=branch,
        business_type=business_type,
        batch=batch,
        rule_codes=",A001,",
        reasons="新开户客户",
        **fields,
    )
    TaskBatch.objects.create(task=task, batch=batch, kind="created", rule_codes=",A001,")
    return task


@pytest.fixture
def company(branches, personas):
    """Rows for every list, spread so that each list's filter keeps some and drops some."""
    from django.utils import timezone

    from huifang.callbacks.models import BusinessType
    from huifang.callbacks.records import services as records
    from huifang.callbacks.records.models import FailureReason
    from huifang.core.models import Job
    from huifang.customers.models import ImportRecord
    from huifang.rules import services as rules

    business_type = BusinessType.objects.filter(is_active=True).order_by("pk").first()
    tasks = [make_task(branches["a1"], business_type) for _ in range(3)]
    tasks += [make_task(branches["b1"], business_type) for _ in range(2)]
    called_at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    for task, status in zip(tasks[:3], ("success", "failure", "success"), strict=True):
        reason = None
        if status == "failure":
            reason = FailureReason.objects.filter(remark_required=False).first()
        records.do_create_record(
            task,
            {
                "status": status,
                "failure_reason": reason,
                "method": "phone",
                "called_at": called_at,
                "duration_seconds": "01:35",
                "mobile_used": "13812345678",
                "remark": "",
            },
            actor=personas["agent_a"],
        )
    first = records.do_feedback(tasks[3], "请核实电话", actor=personas["agent_b"])
    records.do_feedback(tasks[4], "客户已搬家", actor=personas["agent_b"])
    records.do_handle_feedback(first, "已核实", actor=personas["hq_admin"])
    for code in ("0800000001", "0800000002"):
        factories.customer(code, branches["b1"], open_date=datetime.date(2025, 11, 3))
    factories.customer("0800000003", branches["a1"], open_date=datetime.date(2025, 11, 3))
    run = rules.do_run_screening(
        datetime.date(2025, 12, 31), rules=["A001"], freeze=True, actor=personas["hq_admin"]
    )
    rules.do_run_screening(datetime.date(2025, 12, 31), rules=["A001"], actor=personas["hq_admin"])
    for dataset in ("customers", "daily", "daily"):
        ImportRecord.objects.create(dataset=dataset, status="applied", user=personas["hq_admin"])
    BusinessType.objects.exclude(pk=business_type.pk).filter(name="专项回访").update(
        is_active=False
    )
    FailureReason.objects.filter(name="其他").update(is_active=False)
    Job.objects.create(kind="demo", title="完成的任务", status="succeeded")
    Job.objects.create(kind="demo", title="失败的任务", status="failed")
    return {"tasks": tasks, "run": run, "business_type": business_type}


# list → (path, filter field, value (a callable of the company), the key column)
LISTS = {
    "tasks": ("/callbacks/tasks/", "branch", lambda c, b: b["a1"].pk, "投资者代码"),
    "customers": ("/customers/", "branch", lambda c, b: b["b1"].code, "投资者代码"),
    "records": ("/records/", "status", lambda c, b: "success", "客户账号"),
    "batches": ("/callbacks/batches/", "number", lambda c, b: c["tasks"][1].batch.number, "批次号"),
    "business_types": (
        "/callbacks/business-types/",
        "is_active",
        lambda c, b: "true",
        "业务类型名称",
    ),
    "feedback": ("/records/feedback/", "handled", lambda c, b: "false", "客户账号"),
    "reasons": ("/records/reasons/", "is_active", lambda c, b: "true", "失败原因"),
    "runs": ("/rules/screening/runs/", "status", lambda c, b: "frozen", "编号"),
    "hits": ("/rules/screening/runs/{run}/", "branch", lambda c, b: b["b1"].pk, "投资者代码"),
    "audit": ("/system/audit/", "action", lambda c, b: "record_create", "对象"),
    "jobs": ("/system/jobs/", "status", lambda c, b: "failed", "ID"),
    "branches": ("/org/branches/", "q", lambda c, b: "北京", "部门代码"),
    "users": ("/org/users/", "role", lambda c, b: "agent", "用户名"),
    "imports": ("/data/imports/", "dataset", lambda c, b: "daily", "编号"),
    "rules": ("/rules/", "q", lambda c, b: "老年", "规则编号"),
    "params": ("/rules/params/", "q", lambda c, b: "老年", "规则编号"),
}


def row_count(page) -> int:
    return int(page.locator("[data-row-count]").get_attribute("data-row-count"))


def column_texts(page, header: str) -> list[str]:
    return page.evaluate(
        """header => {
            const heads = t => [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
            const table = [...document.querySelectorAll('.card .table')]
                .find(t => heads(t).includes(header)) || document.querySelector('.card .table');
            const names = heads(table);
            const at = names.indexOf(header);
            if (at < 0) throw new Error('no column ' + header + ' in ' + names);
            return [...table.querySelectorAll('tbody tr')]
                .filter(tr => tr.children.length === names.length)
                .map(tr => tr.children[at].innerText.trim());
        }""",
        header,
    )


def set_filter(page, name: str, value) -> None:
    field = page.locator(f"#filter-form [name='{name}']").first
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(str(value))
    else:
        field.fill(str(value))
    page.locator("#filter-form button[type=submit]").click()
    page.wait_for_load_state()


def download_csv(page) -> list[dict]:
    page.get_by_role("button", name="导出").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 CSV").click()
    path = info.value.path()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", list(LISTS))
def test_each_lists_export_has_the_rows_of_the_filtered_page(name, login, company, branches):
    path, field, value, key = LISTS[name]
    page = login("hq_admin")
    page.goto(page.url.rstrip("/") + path.format(run=company["run"].pk))
    everything = row_count(page)

    set_filter(page, field, value(company, branches))
    shown, keys = row_count(page), column_texts(page, key)
    rows = download_csv(page)

    assert 0 < shown < everything, "the filter should keep some rows and drop others"
    assert len(rows) == shown
    assert [row[key] for row in rows][: len(keys)] == keys


def test_a_batchs_tasks_reached_from_the_batch_page_export_only_that_batch(login, company):
    batch = company["tasks"][3].batch
    page = login("hq_admin")
    page.goto(page.url + f"callbacks/batches/{batch.pk}/")
    page.get_by_role("link", name="查看任务").click()
    keys = column_texts(page, "投资者代码")

    rows = download_csv(page)

    assert row_count(page) == 1 and keys == [company["tasks"][3].customer.investor_code]
    assert [row["投资者代码"] for row in rows] == keys


def test_an_agents_landing_page_exports_its_own_open_tasks(login, company, personas):
    from huifang.callbacks.models import CallbackTask

    mine = company["tasks"][1]  # failed once: still open
    CallbackTask.objects.filter(pk=mine.pk).update(assignee=personas["agent_a"])
    page = login("agent_a")
    page.goto(page.url + "callbacks/tasks/")
    keys = column_texts(page, "投资者代码")

    rows = download_csv(page)

    assert keys == [mine.customer.investor_code]
    assert [row["投资者代码"] for row in rows] == keys


# ---------------------------------------------------------------- 1366 × 768

MAIN_LISTS = {
    "/callbacks/tasks/": ("处理状态", "回访专员"),
    "/customers/": ("客户状态", "手机号"),
    "/records/": ("回访状态", "反馈营业部"),
    "/callbacks/batches/": ("截止日期", "创建时间"),
    "/rules/": ("操作",),
    "/rules/params/": ("操作",),
    "/rules/screening/runs/": ("命中客户数", "落地时间"),
    "/rules/screening/runs/{run}/": ("筛选理由", "依据"),
    "/system/audit/": ("变更内容", "说明"),
    "/data/imports/": ("状态", "拒绝"),
    "/callbacks/business-types/": ("启用", "修改时间"),
}


@pytest.mark.parametrize("path", list(MAIN_LISTS))
def test_main_lists_show_their_key_columns_at_1366_without_scrolling(path, login, company):
    page = login("hq_admin")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(page.url.rstrip("/") + path.format(run=company["run"].pk))

    table = page.locator(".card > .table-responsive").first
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth")
    for header in MAIN_LISTS[path]:
        cell = page.locator(".card .table thead th", has_text=header).first
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= 1366, header


def test_hidden_columns_stay_under_the_column_chooser(login, company):
    page = login("hq_admin")
    page.goto(page.url + "callbacks/tasks/")
    expect(page.locator(".card .table thead th", has_text="批次号")).to_have_count(0)

    page.get_by_role("button", name="显示列").click()
    page.get_by_role("checkbox", name="批次号").check()
    page.locator("#filter-form button[type=submit]").click()

    expect(page.locator(".card .table thead th", has_text="批次号")).to_have_count(1)
    expect(page.locator(".card .table thead th", has_text="处理状态")).to_have_count(1)


# ---------------------------------------------------------------- select all matching


def test_select_all_matching_cancels_every_task_of_the_filter(login, company, branches):
    from huifang.callbacks.models import CallbackTask
    from huifang.core.models import AuditEvent

    for _ in range(3):
        make_task(branches["a1"], company["business_type"])
    open_in_a1 = CallbackTask.objects.filter(
        branch=branches["a1"], status__in=("new", "in_progress")
    )
    expected = set(open_in_a1.values_list("pk", flat=True))
    page = login("hq_admin")
    page.goto(page.url + f"callbacks/tasks/?branch={branches['a1'].pk}&status=open&per_page=2")
    total = row_count(page)
    assert total == len(expected) > 2
    expect(page.locator("input[name=pk]")).to_have_count(2)  # one page of two

    page.locator("[data-select-all]").check()
    page.get_by_role("button", name=f"选择全部符合筛选条件的 {total} 条").click()
    expect(page.locator("[data-matching-selected]")).to_be_visible()
    page.locator("#bulk-form button[value=cancel]").click()

    expect(page.locator("[data-confirm-count]")).to_have_text(str(total))
    page.get_by_label("取消原因").fill("客户已在柜台办理")
    page.get_by_role("button", name="确认取消任务").click()

    expect(page.locator(".alert-success")).to_contain_text(f"已取消 {total} 条任务")
    cancelled = set(CallbackTask.objects.filter(status="cancelled").values_list("pk", flat=True))
    assert cancelled == expected
    audited = AuditEvent.objects.filter(action="task_cancel")
    assert {int(e.object_id) for e in audited} == expected


# ---------------------------------------------------------------- forms


def test_a_form_re_rendered_after_a_validation_error_keeps_its_tabler_classes(login, personas):
    page = login("hq_admin")
    page.goto(page.url + "callbacks/business-types/new/")
    page.locator("#id_name").fill("")
    page.locator("#id_deadline_days").fill("999")
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".invalid-feedback").first).to_be_visible()
    expect(page.locator("#id_deadline_days")).to_have_class("form-control is-invalid")
    expect(page.locator("#id_deadline_rule")).to_have_class("form-select")
    expect(page.locator("#id_description")).to_have_class("form-control")


# ---------------------------------------------------------------- 平均分配


def test_a_manager_with_one_branch_is_not_asked_to_pick_it(login, branches, personas):
    from huifang.callbacks.models import BusinessType, CallbackTask
    from huifang.org.models import Role
    from huifang.org.services import do_create_user
    from tests.conftest import PASSWORD

    do_create_user(
        username="manager_a1",
        password=PASSWORD,
        branch=branches["a1"],
        role=Role.BRANCH_MANAGER,
        full_name="营业部经理",
    )
    business_type = BusinessType.objects.filter(is_active=True).order_by("pk").first()
    tasks = [make_task(branches["a1"], business_type) for _ in range(2)]
    page = login("manager_a1")
    page.goto(page.url + "callbacks/tasks/")
    page.locator("[data-select-all]").check()
    page.locator("#bulk-form button[value=distribute]").click()

    expect(page.locator("select[name=branch]")).to_have_count(0)
    expect(page.get_by_text("期货北京营业部", exact=True)).to_be_visible()
    page.get_by_role("button", name="确认平均分配给营业部的回访专员").click()

    expect(page.locator(".alert-success")).to_contain_text("已平均分配 2 条任务")
    assignees = set(
        CallbackTask.objects.filter(pk__in=[t.pk for t in tasks]).values_list(
            "assignee__username", flat=True
        )
    )
    assert assignees == {"agent_a"}
