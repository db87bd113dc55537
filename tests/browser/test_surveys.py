"""HQ designs a questionnaire in the browser: creates it, adds a question with an abnormal
option, moves it up, publishes after the confirmation, and previews version 1 as the
customer sees it on a phone (no abnormal flag shown)."""

import pytest
from playwright.sync_api import expect

from huifang.surveys.models import Questionnaire

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_hq_designs_publishes_and_previews_a_questionnaire(personas, login, live_server):
    page = login("hq_admin")
    page.get_by_role("button", name="问卷管理").click()
    page.get_by_role("link", name="问卷", exact=True).click()
    expect(page.get_by_role("link", name="QN-ANNUAL")).to_be_visible()

    page.get_by_role("link", name="新建问卷").click()
    page.fill("#id_code", "QN-BROWSER")
    page.fill("#id_title", "浏览器问卷")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h2.page-title")).to_have_text("编辑问卷草稿 QN-BROWSER")

    for text, options in (("您的职业？", ["在职", "退休"]), ("是否本人开户？", ["是", "不是本人"])):
        page.get_by_role("link", name="添加题目").click()
        page.fill("#id_text", text)
        page.select_option("#id_type", "single")
        for n, option in enumerate(options):
            page.fill(f"#id_opt-{n}-text", option)
        if text == "是否本人开户？":
            page.check("#id_opt-1-abnormal")
        page.get_by_role("button", name="保存题目").click()
    second = page.locator("[data-question='q2']")
    expect(second.get_by_text("异常答案")).to_be_visible()
    second.get_by_role("button", name="上移").click()
    expect(page.locator("#questions [data-question]").first).to_have_attribute(
        "data-question", "q2"
    )

    page.get_by_role("link", name="发布").click()
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_text("已发布问卷 QN-BROWSER 第 1 版")).to_be_visible()
    questionnaire = Questionnaire.objects.get(code="QN-BROWSER")
    assert [q["id"] for q in questionnaire.latest_published().questions] == ["q2", "q1"]

    page.get_by_role("link", name="预览").first.click()
    phone = page.locator("#phone")
    expect(phone.get_by_text("1. 是否本人开户？")).to_be_visible()
    expect(phone.get_by_text("异常")).to_have_count(0)
    phone.get_by_role("button", name="试提交").click()
    expect(page.locator("#preview-result")).to_have_text("有 2 处需要修改")
    assert page.console_errors == []
