"""Hypothesis fuzzing of the pages (issue 19): every page of the page matrix, as the HQ
admin (who may use nearly every form), with random values for the fields its own HTML
names — in the query string of a GET, in the body of a POST — never answers a 5xx.

The world and the URLs are the page matrix's (``test_page_matrix``). Values mix random
text with the inputs that break forms: empty, huge, negative, impossible dates, full-width
digits, NUL and other control characters, markup, SQL, very long strings."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_page_matrix import PAGES, PUBLIC, login, url


@pytest.fixture(autouse=True)
def _isolated_settings():
    """Overrides conftest's: ``page_world``'s settings (and its files) hold for the
    module."""
    cache.clear()


# Pages that end or change the session they are fuzzed through (their own tests cover
# them), and the login page (its lockout counts the failures).
SKIP = {"logout", "login", "password_change", "org:otp", "org:api_token", "otp_verify"}
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*?\bname=\"([^\"]+)\"", re.I)
NOT_FUZZED = {"csrfmiddlewaretoken"}
NASTY = [
    "",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "1e309",
    "nan",
    "2025-02-30",
    "2025-12-31",
    "9999-12-31",
    "0000-00-00",
    "１２３",
    "13812345678",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a\x00b",
    "\r\n\t",
    "x" * 5000,
    "../../etc/passwd",
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


def fields(html: str) -> list[str]:
    names = dict.fromkeys(FIELD.findall(html))
    return [name for name in names if name not in NOT_FUZZED] or ["q"]


def _pages():
    for name, page in PAGES.items():
        if name not in SKIP and page.need != PUBLIC:
            yield pytest.param(name, id=name)


@pytest.mark.parametrize("name", list(_pages()))
def test_random_input_never_answers_a_server_error(client, page_world, db, name):
    page = PAGES[name]
    target = url(name, page_world)
    login(client, page_world, "hq_admin")
    shown = client.get(target)
    html = shown.status_code == 200 and shown.get("Content-Type", "").startswith("text/html")
    names = fields(shown.content.decode("utf-8", "replace")) if html else ["q"]
    base = target.split("?")[0]

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1))
    def attempt(data):
        login(client, page_world, "hq_admin")
        if page.post:
            response = client.post(target, data)
        else:
            response = client.get(base, data)
        assert response.status_code < 500, (target, data)

    attempt()


def test_a_nul_in_a_form_is_refused_before_the_view_runs(client, page_world, db):
    login(client, page_world, "hq_admin")
    before = page_world["shared"]["business_type"].name
    target = url("callbacks:businesstype_edit", page_world)
    response = client.post(target, {"name": "新\x00名称"})
    assert response.status_code == 400
    assert "超出了允许的范围" in response.content.decode()
    page_world["shared"]["business_type"].refresh_from_db()
    assert page_world["shared"]["business_type"].name == before


def test_a_number_too_large_for_the_database_answers_400_in_chinese(rf):
    from huifang.core.middleware import BadInputMiddleware

    guard = BadInputMiddleware(lambda request: None)
    response = guard.process_exception(rf.get("/api/v1/tasks/"), OverflowError("too big"))
    assert response.status_code == 400
    assert json.loads(response.content)["message"].startswith("提交的内容超出了允许的范围")
