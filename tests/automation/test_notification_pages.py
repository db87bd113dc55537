"""站内消息 pages: the bell's unread count, the list (only one's own; filters), opening a
message (read, then its link) and 标记已读; e-mail of messages and the daily digest."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from huifang.automation import notifications, reminders
from huifang.automation.models import Notification, NotificationKind
from huifang.automation.notifications import Message
from huifang.core import config
from tests.automation.conftest import beijing
from tests.surveys.invites import make_task

pytestmark = pytest.mark.django_db
Kind = NotificationKind


@pytest.fixture
def inbox(personas):
    """agent_a: two unread (an overdue digest, an appointment) and one read; agent_b: one."""
    a, b = personas["agent_a"].pk, personas["agent_b"].pk
    notifications.notify(
        [
            Message(
                a, Kind.OVERDUE, "overdue:1", "您有 3 条回访任务已逾期", link="/callbacks/tasks/"
            ),
            Message(a, Kind.APPOINTMENT, "task:1", "改约提醒：回访任务 #1", link="/plans/"),
            Message(a, Kind.DUE_TOMORROW, "due:1", "明天有 1 条回访任务到期"),
            Message(b, Kind.OVERDUE, "overdue:1", "别人的消息"),
        ]
    )
    read = Notification.objects.get(recipient=personas["agent_a"], kind=Kind.DUE_TOMORROW)
    notifications.mark_read(personas["agent_a"], [read.pk])
    return {n.kind + str(n.recipient_id): n for n in Notification.objects.all()}


def mine(inbox, personas, kind):
    return inbox[kind + str(personas["agent_a"].pk)]


def test_the_bell_shows_the_unread_count_and_the_latest(client_for, inbox):
    page = client_for("agent_a").get("/").content.decode()
    assert 'data-unread="2"' in page
    assert "您有 3 条回访任务已逾期" in page and "别人的消息" not in page


def test_no_unread_no_count(client_for, inbox):
    page = client_for("manager_a").get("/").content.decode()
    assert 'id="notification-bell"' in page and "data-unread" not in page


def test_the_list_shows_only_ones_own_messages(client_for, inbox):
    page = client_for("agent_a").get("/plans/messages/").content.decode()
    assert page.count("data-notification=") == 3
    assert "别人的消息" not in page


def test_the_list_filters_unread_and_kind(client_for, inbox):
    client = client_for("agent_a")
    unread = client.get("/plans/messages/?status=unread").content.decode()
    assert unread.count("data-notification=") == 2
    kind = client.get("/plans/messages/?kind=appointment").content.decode()
    assert kind.count("data-notification=") == 1 and "改约提醒" in kind


def test_opening_a_message_marks_it_read_and_follows_its_link(client_for, inbox, personas):
    message = mine(inbox, personas, Kind.OVERDUE)
    answer = client_for("agent_a").get(f"/plans/messages/{message.pk}/")
    assert answer.status_code == 302 and answer["Location"] == "/callbacks/tasks/"
    message.refresh_from_db()
    assert message.read_at is not None
    assert notifications.unread_count(personas["agent_a"]) == 1


def test_another_persons_message_is_not_found(client_for, inbox, personas):
    theirs = inbox[Kind.OVERDUE + str(personas["agent_b"].pk)]
    assert client_for("agent_a").get(f"/plans/messages/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_changes_only_ones_own(client_for, inbox, personas):
    theirs = inbox[Kind.OVERDUE + str(personas["agent_b"].pk)]
    message = mine(inbox, personas, Kind.APPOINTMENT)
    client_for("agent_a").post("/plans/messages/read/", {"ids": [message.pk, theirs.pk]})
    message.refresh_from_db()
    theirs.refresh_from_db()
    assert message.read_at is not None and theirs.read_at is None


def test_mark_all_read(client_for, inbox, personas):
    answer = client_for("agent_a").post("/plans/messages/read/", {"all": "1"})
    assert answer.status_code == 302
    assert notifications.unread_count(personas["agent_a"]) == 0
    assert notifications.unread_count(personas["agent_b"]) == 1


def test_mark_read_with_nothing_ticked_asks_to_tick(client_for, inbox, personas):
    answer = client_for("agent_a").post("/plans/messages/read/", {}, follow=True)

    assert "请先勾选消息" in answer.content.decode()
    assert notifications.unread_count(personas["agent_a"]) > 0


def test_mark_read_wants_a_post(client_for, inbox):
    assert client_for("agent_a").get("/plans/messages/read/").status_code == 405


# ---------------------------------------------------------------- e-mail


@pytest.fixture
def email_on(settings, personas):
    settings.NOTIFY_EMAIL = {"NOTIFICATIONS": True, "DIGEST": True, "DIGEST_HOUR": 8}
    agent = personas["agent_a"]
    agent.email = "agent_a@example.com"
    agent.save()
    return agent


def test_each_message_is_mailed_after_commit_to_people_with_an_address(
    email_on, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            [
                Message(email_on.pk, Kind.OVERDUE, "k", "您有 1 条回访任务已逾期", "正文"),
                Message(personas["agent_b"].pk, Kind.OVERDUE, "k", "没有邮箱"),
            ]
        )
    [sent] = mail.outbox
    assert sent.to == ["agent_a@example.com"] and "已逾期" in sent.subject
    assert notifications.send_emails() == 0  # claimed: never twice


def test_a_mail_failure_is_logged_not_raised(
    email_on, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("huifang.automation.notifications.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        made = notifications.notify([Message(email_on.pk, Kind.OVERDUE, "k", "标题")])
    assert len(made) == 1 and Notification.objects.count() == 1


def test_the_daily_digest_is_mailed_once_a_day(email_on, branches, settings):
    settings.NOTIFY_EMAIL = {"NOTIFICATIONS": False, "DIGEST": True, "DIGEST_HOUR": 8}
    day = datetime.date(2026, 1, 5)
    make_task(branches["a1"], assignee=email_on, deadline=day - datetime.timedelta(1))
    reminders.run_pass(beijing(day, 7, 30))
    assert mail.outbox == []
    reminders.run_pass(beijing(day, 8, 0))
    [digest] = mail.outbox
    assert digest.to == ["agent_a@example.com"] and "您有 1 条未读站内消息" in digest.body
    reminders.run_pass(beijing(day, 9, 0))
    assert len(mail.outbox) == 1
    assert Notification.objects.get(kind=Kind.DIGEST).read_at is not None


def test_email_needs_an_smtp_host(monkeypatch):
    monkeypatch.setenv("HUIFANG_EMAIL_NOTIFICATIONS", "1")
    monkeypatch.delenv("HUIFANG_EMAIL_HOST", raising=False)
    with pytest.raises(config.ConfigError):
        config.email()
    monkeypatch.setenv("HUIFANG_EMAIL_HOST", "smtp.example.com")
    assert config.email()["HOST"] == "smtp.example.com"


def test_only_the_kinds_named_are_mailed(email_on, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = {**settings.NOTIFY_EMAIL, "KINDS": ("appointment",)}
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            [
                Message(email_on.pk, Kind.OVERDUE, "k", "您有 1 条回访任务已逾期"),
                Message(email_on.pk, Kind.APPOINTMENT, "k", "改约提醒：回访任务 #1"),
            ]
        )
    [sent] = mail.outbox
    assert "改约提醒" in sent.subject
    assert Notification.objects.count() == 2  # both are in Huifang


def test_email_kinds_are_read_from_the_environment_and_checked(monkeypatch, settings):
    from huifang.automation.apps import check_email_kinds

    monkeypatch.setenv("HUIFANG_EMAIL_KINDS", " overdue, appointment ,")
    assert config.email()["KINDS"] == ("appointment", "overdue")
    settings.NOTIFY_EMAIL = {"NOTIFICATIONS": True, "DIGEST": False, "KINDS": ("overdue",)}
    assert check_email_kinds() == []
    settings.NOTIFY_EMAIL = {"NOTIFICATIONS": True, "DIGEST": False, "KINDS": ("late",)}
    [error] = check_email_kinds()
    assert "late 不是站内消息的类型" in error.msg and "overdue（逾期任务）" in error.msg
