"""After H5 invitations from the task list, the message says where the links are: nothing
sends them by themselves, and the list the user is sent back to shows none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.surveys.invites import make_batch, make_task

HINT = "H5 链接在各任务页面的“问卷”一栏"


@pytest.fixture
def ids(branches, published):
    batch = make_batch()
    return [str(make_task(branches["a1"], batch).pk) for _ in range(2)]


def invite(client, ids, channel):
    form = {"pk": ids, "confirmed": "1", "channel": channel, "expires_days": "7"}
    return client.post(reverse("surveys:invite"), form, follow=True).content.decode()


def test_h5_invitations_say_where_the_links_are(client_for, ids):
    html = invite(client_for("manager_a"), ids, "h5")
    assert "新建邀请 2 条" in html and HINT in html


def test_app_hall_invitations_need_no_link(client_for, ids):
    assert HINT not in invite(client_for("manager_a"), ids, "apphall")
