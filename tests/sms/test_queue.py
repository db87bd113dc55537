"""Queueing: quiet hours, one per customer per template per day unless forced, the daily
quota, invalid mobiles and the opt-out list reported, the text rendered and counted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from huifang.channels.sms import services
from huifang.channels.sms.models import SmsMessage, SmsStatus
from huifang.core.models import AuditEvent
from tests.sms.conftest import at

pytestmark = pytest.mark.django_db


def test_a_message_is_rendered_counted_and_queued(task, queue):
    result = queue(task)
    assert (result.queued, result.held, result.skipped_count) == (1, 0, 0)
    message = SmsMessage.objects.get()
    assert message.text.startswith(f"【惠访期货】{task.customer.name}您好，期货北京营业部")
    assert message.text.endswith("请致电95588。")
    assert message.parts == 1
    assert message.mobile == "13812345678"
    assert message.status == SmsStatus.QUEUED
    assert message.branch == task.branch
    assert message.next_attempt_at == at(10)


def test_outside_the_sending_hours_messages_wait_for_the_opening(task, queue):
    result = queue(task, now=at(22, 30))
    assert (result.queued, result.held) == (0, 1)
    assert SmsMessage.objects.get().next_attempt_at == at(8, 0, day=3)


def test_before_the_opening_they_wait_for_the_same_morning(task, queue):
    queue(task, now=at(6, 59))
    assert SmsMessage.objects.get().next_attempt_at == at(8)


def test_the_same_template_the_same_day_is_skipped(task, queue):
    queue(task)
    result = queue(task, now=at(15))
    assert result.queued == 0
    assert result.skipped == {services.ALREADY_TODAY: 1}
    assert SmsMessage.objects.count() == 1


def test_the_next_day_it_is_sent_again(task, queue):
    queue(task)
    assert queue(task, now=at(10, day=3)).queued == 1


def test_force_sends_again_the_same_day(task, queue):
    queue(task)
    result = queue(task, now=at(15), force=True)
    assert result.queued == 1
    assert SmsMessage.objects.filter(forced=True).count() == 1


def test_two_tasks_of_one_customer_get_one_message(make_task, queue):
    first = make_task()
    from huifang.callbacks.models import BusinessType, CallbackTask

    other = BusinessType.objects.create(name="另一回访")
    CallbackTask.objects.create(
        customer=first.customer,
        branch=first.branch,
        business_type=other,
        batch=first.batch,
        rule_codes=",A001,",
        reasons="x",
    )
    result = queue(CallbackTask.objects.all())
    assert result.queued == 1 and result.skipped == {services.ALREADY_TODAY: 1}


def test_the_daily_quota_skips_the_rest(make_task, queue, settings):
    settings.SMS = {**settings.SMS, "DAILY_QUOTA": 2}
    from huifang.callbacks.models import CallbackTask

    for _ in range(3):
        make_task()
    result = queue(CallbackTask.objects.all())
    assert result.queued == 2
    assert result.skipped == {services.OVER_QUOTA: 1}


def test_a_customer_without_a_valid_mobile_is_reported(make_task, queue):
    task = make_task(mobile="010-88886666")
    result = queue(task)
    assert result.queued == 0 and result.skipped == {services.NO_MOBILE: 1}
    assert not SmsMessage.objects.exists()


def test_an_opted_out_number_gets_nothing(task, queue):
    services.do_opt_out("+86 138-1234-5678", "客户来电要求")
    result = queue(task)
    assert result.skipped == {services.OPTED_OUT: 1}


def test_opting_out_stops_the_messages_already_waiting(task, queue):
    queue(task, now=at(22))
    services.do_opt_out("13812345678")
    assert SmsMessage.objects.get().status == SmsStatus.FAILED


def test_a_closed_task_gets_nothing(make_task, queue):
    task = make_task()
    task.status = "cancelled"
    task.save()
    assert queue(task).skipped == {services.CLOSED: 1}


def test_a_text_over_500_characters_is_refused(task, queue, template):
    template.text = "{客户名称}" + "长" * 495
    template.save()
    result = queue(task)
    assert result.skipped == {services.TOO_LONG: 1}


def test_a_disabled_template_is_refused(task, queue, template):
    template.enabled = False
    template.save()
    with pytest.raises(ValidationError):
        queue(task)


def test_a_send_is_audited_with_its_counts(task, queue):
    queue(task)
    event = AuditEvent.objects.get(action="sms_queue")
    assert event.after["queued"] == 1


def test_an_agent_may_send_for_a_task_in_scope_only(make_task, queue, personas):
    from django.core.exceptions import PermissionDenied

    assert queue(make_task("a1"), actor=personas["agent_a"]).queued == 1
    with pytest.raises(PermissionDenied):
        queue(make_task("b1"), actor=personas["agent_a"])


def test_a_bulk_send_of_a_queryset_is_narrowed_to_the_scope(make_task, queue, personas):
    from huifang.callbacks.models import CallbackTask

    make_task("a1")
    make_task("b1")
    result = queue(CallbackTask.objects.all(), actor=personas["agent_a"])
    assert result.queued == 1
    assert SmsMessage.objects.get().branch.code == "010101"


def test_a_template_with_an_unknown_variable_is_refused():
    with pytest.raises(ValidationError) as refused:
        services.do_save_template(
            None, {"code": "X", "name": "x", "signature": "【惠访】", "text": "{生日}快乐"}
        )
    assert "未知变量" in str(refused.value)


def test_a_signature_must_be_bracketed():
    with pytest.raises(ValidationError) as refused:
        services.do_save_template(
            None, {"code": "X", "name": "x", "signature": "惠访", "text": "您好"}
        )
    assert "签名" in str(refused.value)


def test_the_queued_row_keeps_every_field(task, queue, personas, template):
    queue(task, actor=personas["agent_a"])
    message = SmsMessage.objects.get()
    assert message.params == {
        "客服电话": "95588",
        "客户名称": task.customer.name,
        "营业部": "期货北京营业部",
        "回访截止日期": task.deadline.isoformat() if task.deadline else "",
        "投资者代码": task.customer.investor_code,
    }
    assert (message.customer_id, message.template_id) == (task.customer_id, template.pk)
    assert (message.day, message.queued_at) == (at(10).date(), at(10))
    assert (message.attempts, message.forced, message.provider) == (0, False, "file")
    assert message.created_by == personas["agent_a"]
    assert message.provider_message_id == "" and message.sent_at is None


@pytest.fixture
def link_template(db):
    return services.do_save_template(
        None,
        {
            "code": "LINK",
            "name": "问卷",
            "signature": "【惠访期货】",
            "text": "请填写问卷：{问卷链接}",
        },
    )


def h5_invitation(task):
    from huifang.surveys import sending
    from huifang.surveys import services as surveys
    from tests.surveys.conftest import file_data

    surveys.do_import_file(
        file_data(business_types=[task.business_type.name]), publish=True, actor=None
    )
    sending.do_invite([task.pk], channel="h5", actor=None)
    return task.invitations.get()


def test_the_survey_link_is_the_tasks_open_h5_invitation(task, queue, link_template, settings):
    settings.PUBLIC_URL = "https://hf.example.com"
    invitation = h5_invitation(task)
    queue(task, tmpl=link_template)
    assert SmsMessage.objects.get().text == (
        f"【惠访期货】请填写问卷：https://hf.example.com/q/{invitation.token}"
    )


def test_a_task_without_an_h5_invitation_gets_no_link_message(task, queue, link_template, settings):
    settings.PUBLIC_URL = "https://hf.example.com"
    result = queue(task, tmpl=link_template)
    assert result.skipped == {services.NO_LINK: 1}
    assert not SmsMessage.objects.exists()


def test_a_survey_link_without_the_public_address_is_refused(task, queue, link_template, settings):
    settings.PUBLIC_URL = ""
    h5_invitation(task)
    with pytest.raises(ValidationError, match="HUIFANG_PUBLIC_URL"):
        queue(task, tmpl=link_template)
    assert not SmsMessage.objects.exists()
