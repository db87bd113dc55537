"""The H5 page /q/<token>: public, one submission then 已提交; unknown, used and expired
links; 已打开 on the first view; the rate limit per client address."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.surveys import sending
from huifang.surveys.choices import InvitationStatus
from huifang.surveys.models import Invitation, Response
from tests.surveys.invites import make_task


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """The rate-limit counters live in the (process-wide) cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def invitation(branches, published):
    task = make_task(branches["a1"])
    sending.do_invite([task.pk], channel="h5", actor=None)
    return Invitation.objects.get(task=task)


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True)


def url(invitation) -> str:
    return f"/q/{invitation.token}"


def post_form(client, invitation, data: dict):
    page = client.get(url(invitation))
    token = page.cookies["csrftoken"].value
    return client.post(url(invitation), {**data, "csrfmiddlewaretoken": token})


def test_the_page_shows_the_questionnaire_without_login(anonymous, invitation):
    page = anonymous.get(url(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    assert "测试问卷" in html and "您是本人吗？" in html
    assert 'name="viewport"' in html
    assert "http://" not in html and "https://" not in html  # no external assets
    assert "abnormal" not in html


def test_the_first_view_marks_the_invitation_opened(anonymous, invitation):
    anonymous.get(url(invitation))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPENED and invitation.opened_at is not None


def test_one_submission_then_submitted(anonymous, invitation):
    done = post_form(anonymous, invitation, {"a-0": "yes"})
    assert done.status_code == 200
    assert "已提交" in done.content.decode()
    record = CallbackRecord.objects.get(task=invitation.task)
    assert record.method == "h5" and record.status == "success" and record.agent is None
    assert record.registered_by == "H5问卷页"
    again = anonymous.get(url(invitation))
    assert again.status_code == 409
    assert "已提交" in again.content.decode()
    assert Response.objects.count() == 1


def test_a_second_post_is_refused(anonymous, invitation):
    post_form(anonymous, invitation, {"a-0": "yes"})
    token = anonymous.cookies["csrftoken"].value
    second = anonymous.post(url(invitation), {"a-0": "no", "csrfmiddlewaretoken": token})
    assert second.status_code == 409
    assert Response.objects.count() == 1


def test_a_post_without_the_csrf_token_is_refused(anonymous, invitation):
    refused = anonymous.post(url(invitation), {"a-0": "yes"})
    assert refused.status_code == 403
    assert not Response.objects.exists()


def test_a_missing_answer_shows_the_form_again_with_the_error(anonymous, invitation):
    page = post_form(anonymous, invitation, {})
    assert page.status_code == 200
    assert "必答题未作答" in page.content.decode()
    assert not Response.objects.exists()


def test_an_option_needing_a_note_asks_for_it(anonymous, invitation):
    page = post_form(anonymous, invitation, {"a-0": "no"})
    assert "该选项需要填写说明" in page.content.decode()
    done = post_form(anonymous, invitation, {"a-0": "no", "a-0-note": "家人代办"})
    assert "已提交" in done.content.decode()
    record = CallbackRecord.objects.get(task=invitation.task)
    assert record.status == "other"
    assert BranchFeedback.objects.filter(record=record).count() == 1


def test_an_unknown_link_says_so(anonymous, db):
    page = anonymous.get("/q/not-a-token")
    assert page.status_code == 404
    assert "链接无效" in page.content.decode()


def test_an_expired_link_says_so(anonymous, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = anonymous.get(url(invitation))
    assert page.status_code == 410
    assert "已过期" in page.content.decode()


def test_the_rate_limit_answers_429_in_chinese(anonymous, invitation, settings):
    settings.H5_RATE_LIMIT = 3
    for _ in range(3):
        assert anonymous.get(url(invitation)).status_code == 200
    page = anonymous.get(url(invitation))
    assert page.status_code == 429
    assert "过于频繁" in page.content.decode()


def test_the_rate_limit_is_per_client_address(anonymous, invitation, settings):
    settings.H5_RATE_LIMIT = 1
    anonymous.get(url(invitation), REMOTE_ADDR="10.0.0.1")
    assert anonymous.get(url(invitation), REMOTE_ADDR="10.0.0.2").status_code == 200
