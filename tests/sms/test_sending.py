"""The drain: the file provider writes the outbox; permanent errors fail at once,
temporary ones are retried with backoff and given up; nothing goes out at night."""

from __future__ import annotations

import datetime

import pytest

from huifang.channels.sms import sending, transports
from huifang.channels.sms.models import SmsMessage, SmsStatus
from huifang.channels.sms.transports import SendResult, TransportError
from tests.sms.conftest import at

pytestmark = pytest.mark.django_db


class Scripted(transports.Transport):
    """Answers each send from ``outcomes`` in order (a SendResult or a TransportError)."""

    name = ""
    outcomes: list = []

    def send(self, message):
        outcome = type(self).outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def scripted(monkeypatch):
    def install(*outcomes):
        Scripted.outcomes = list(outcomes)
        monkeypatch.setattr(sending, "transport", lambda: Scripted())

    return install


def test_the_file_provider_writes_what_would_be_sent(task, queue):
    queue(task)
    assert sending.drain(now=at(10)) == 1
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.SENT
    assert message.provider_message_id == f"file-{message.pk}"
    assert message.sent_at == at(10)
    (line,) = transports.FileTransport().lines()
    assert line["mobile"] == "13812345678" and line["text"] == message.text


def test_nothing_is_sent_outside_the_sending_hours(task, queue):
    queue(task, now=at(7))
    SmsMessage.objects.update(next_attempt_at=at(7))  # due, but it is night
    assert sending.drain(now=at(21, 30)) == 0
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.QUEUED
    assert message.next_attempt_at == at(8, day=3)


def test_a_permanent_error_fails_at_once(task, queue, scripted):
    queue(task)
    scripted(TransportError("号码无效", permanent=True, code="isv.MOBILE_NUMBER_ILLEGAL"))
    sending.drain(now=at(10))
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert message.provider_code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert message.next_attempt_at is None


def test_a_temporary_error_is_retried_after_the_backoff(task, queue, scripted):
    queue(task)
    scripted(TransportError("限流", permanent=False), SendResult("biz-1", "OK"))
    sending.drain(now=at(10))
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.QUEUED
    assert message.next_attempt_at == at(10) + datetime.timedelta(minutes=1)
    assert sending.drain(now=at(10, 0) + datetime.timedelta(seconds=30)) == 0  # not yet due
    sending.drain(now=at(10, 1))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_message_id) == (
        SmsStatus.SENT,
        2,
        "biz-1",
    )


def test_the_backoff_grows_then_gives_up(task, queue, scripted):
    queue(task)
    errors = [TransportError("超时", permanent=False) for _ in range(6)]
    scripted(*errors)
    now = at(10)
    waits = []
    for _ in range(6):
        sending.drain(now=now)
        message = SmsMessage.objects.get()
        if message.next_attempt_at:
            waits.append(message.next_attempt_at - now)
            now = message.next_attempt_at
            if not (8 <= now.astimezone(at(10).tzinfo).hour < 21):
                now = now.replace(hour=10)  # stay inside the sending hours
                SmsMessage.objects.update(next_attempt_at=now)
    assert waits == sending.BACKOFF
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 6
    assert message.provider_text.startswith("重试 5 次仍失败")


def test_a_claimed_message_is_not_sent_twice(task, queue, scripted):
    queue(task)
    first = sending.claim(at(10), 10)
    second = sending.claim(at(10), 10)
    assert len(first) == 1 and second == []


def test_a_receipt_less_provider_leaves_the_message_sent(task, queue):
    queue(task)
    sending.drain(now=at(10))
    assert SmsMessage.objects.get().delivered_at is None
