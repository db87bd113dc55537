"""A customer answers the H5 questionnaire on a phone (375×667): one submission, then
已提交; opening the link again says it was already submitted."""

import pytest
from playwright.sync_api import expect

from huifang.callbacks.records.models import CallbackRecord
from huifang.surveys import sending, services
from huifang.surveys.models import Invitation
from tests.surveys.conftest import file_data
from tests.surveys.invites import make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_customer_answers_the_h5_questionnaire_once_on_a_phone(branches, browser, live_server):
    services.do_import_file(file_data(), publish=True, actor=None)
    task = make_task(branches["a1"])
    sending.do_invite([task.pk], channel="h5", questionnaire="QN-TEST", actor=None)
    invitation = Invitation.objects.get(task=task)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    failed = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    try:
        page.goto(f"{live_server.url}/q/{invitation.token}")
        expect(page.get_by_role("heading", name="测试问卷")).to_be_visible()
        # Fits the phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # Each question's title sits inside its card, below the card's top border (a
        # fieldset's legend is drawn across it, and a two-line title overlapped it).
        assert page.evaluate(
            """[...document.querySelectorAll('fieldset.qn-question')].every(f =>
                f.querySelector('legend').getBoundingClientRect().top
                > f.getBoundingClientRect().top)"""
        )
        page.get_by_label("是", exact=True).check()
        page.get_by_label("手机").check()
        submit = page.get_by_role("button", name="提交问卷")
        submit.scroll_into_view_if_needed()
        submit.click()
        expect(page.get_by_role("heading", name="已提交")).to_be_visible()
        assert failed == [] and errors == []

        again = page.goto(f"{live_server.url}/q/{invitation.token}")
        assert again.status == 409
        expect(page.get_by_role("heading", name="问卷已提交")).to_be_visible()
        # The browser logs the 409 it was meant to get; nothing else may go wrong there.
        assert [e for e in errors if "409" not in e] == []
    finally:
        context.close()
    record = CallbackRecord.objects.get(task=task)
    assert record.method == "h5" and record.status == "success"
