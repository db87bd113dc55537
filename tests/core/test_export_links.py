"""The 导出 links carry the list's filters exactly (Django's ``querystring`` tag already
starts with "?": a second one made "??q=…", which dropped the first filter)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def export_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*_export=[^"]*)"', html)


def test_export_links_keep_the_filters_and_leave_the_page(client_for):
    html = client_for("hq_admin").get("/org/branches/?q=北京&is_active=true&page=1").content
    links = export_links(html.decode())

    assert links == [
        "?q=%E5%8C%97%E4%BA%AC&amp;is_active=true&amp;_export=xlsx",
        "?q=%E5%8C%97%E4%BA%AC&amp;is_active=true&amp;_export=csv",
    ]


def test_the_export_link_of_a_filtered_list_exports_the_filtered_rows(client_for):
    client = client_for("hq_admin")
    html = client.get("/org/branches/?q=北京").content.decode()
    link = export_links(html)[1].replace("&amp;", "&")

    response = client.get("/org/branches/" + link)

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sorted(body.splitlines()[1:]) == sorted(
        line for line in body.splitlines()[1:] if "北京" in line
    )
    assert len(body.splitlines()) == 1 + 2  # 北京分公司 and 期货北京营业部
