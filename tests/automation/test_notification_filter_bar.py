"""站内消息's filter bar reads like every list's (查询 and 重置), and an empty inbox says so
in the middle of the table like every other list."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_filter_bar_has_query_and_reset(client_for):
    html = client_for("agent_a").get("/plans/messages/").content.decode()
    form = html.split('id="notification-filter"', 1)[1].split("</form>", 1)[0]
    assert ">查询</button>" in form and ">筛选</button>" not in form
    assert '<a class="btn btn-link" href="/plans/messages/">重置</a>' in form


def test_an_empty_inbox_is_said_in_the_middle(client_for):
    html = client_for("agent_a").get("/plans/messages/").content.decode()
    assert 'class="text-center text-secondary py-4" data-testid="no-notifications">没有消息' in html
