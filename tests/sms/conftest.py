"""SMS fixtures: tasks (as the records tests build them), a template, a fixed moment inside
the sending window, and the file provider writing into the test's own data dir."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from tests.records.conftest import business_type, content, make_task, task  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(hour: int, minute: int = 0, day: int = 2) -> datetime.datetime:
    """A moment on 2026-03-``day`` in Beijing time."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _sms_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    settings.SMS = {
        **settings.SMS,
        "PROVIDER": "file",
        "SEND_START": "08:00",
        "SEND_END": "21:00",
        "DAILY_QUOTA": 1000,
        "SERVICE_PHONE": "95588",
        "RECEIPT_TOKEN": "a-secret-path-token-1234",
    }


@pytest.fixture
def template(db):
    from huifang.channels.sms.services import do_save_template

    return do_save_template(
        None,
        {
            "code": "REMIND",
            "name": "回访提醒",
            "signature": "【惠访期货】",
            "text": "{客户名称}您好，{营业部}将于{回访截止日期}前回访，如有疑问请致电{客服电话}。",
            "enabled": True,
            "aliyun_template_code": "SMS_123",
            "aliyun_params": "name=客户名称,deadline=回访截止日期",
            "tencent_template_id": "1234567",
            "tencent_params": "客户名称,回访截止日期",
        },
    )


@pytest.fixture
def queue(template):
    """``queue(tasks, now=at(10), force=False)`` → QueueResult, as the system."""
    from huifang.channels.sms.services import do_queue

    def run(tasks, *, now=None, force=False, tmpl=None, actor=None):
        return do_queue(tasks, tmpl or template, force=force, now=now or at(10), actor=actor)

    return run


@pytest.fixture
def now():
    return timezone.now()
