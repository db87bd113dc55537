"""A page address asked with a method it does not take (a GET of 确认导入, a bookmarked
form target) answers the Chinese 405 page in the layout with a way back, still 405 with its
``Allow`` header; before, Django's decorators answered an empty 405 the browser showed as
a blank page. The API keeps its JSON 405, in Chinese."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from huifang.core.errors import METHOD_NOT_ALLOWED

pytestmark = pytest.mark.django_db

SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}
PARAMETER = re.compile(r"<(?:(\w+):)?\w+>")


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def page_urls() -> list[str]:
    """Every page address (not the API's), its path parameters filled with a sample."""
    urls = []
    for route in _routes(get_resolver()):
        if route.startswith("api/") or "(?P" in route or "^" in route:
            continue
        urls.append("/" + PARAMETER.sub(lambda m: SAMPLES[m.group(1) or "str"], route))
    return urls


@pytest.fixture
def post_only(client_for):
    """The page addresses that refuse a GET with 405, asked as HQ."""
    client = client_for("hq_admin")
    found = {}
    for url in page_urls():
        response = client.get(url)
        if response.status_code == 405:
            found[url] = response
    return found


def test_several_post_only_addresses_are_found(post_only):
    assert "/data/import/confirm/" in post_only
    assert len(post_only) >= 10, sorted(post_only)


def test_every_post_only_address_answers_the_chinese_405_page(post_only):
    for url, response in post_only.items():
        body = response.content.decode()
        assert METHOD_NOT_ALLOWED in body, url
        assert 'data-error-page="405"' in body, url
        assert 'data-testid="error-home"' in body, url  # the layout's page, with a way home
        assert "POST" in response["Allow"], url


def test_the_405_page_offers_the_page_the_user_came_from(client_for):
    response = client_for("hq_admin").get(
        "/data/import/confirm/", HTTP_REFERER="http://testserver/data/import/"
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert 'href="http://testserver/data/import/" data-testid="error-back"' in body


def test_the_api_keeps_its_json_405_in_chinese(client_for):
    response = client_for("hq_admin").get("/api/v1/imports/customers/")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body
    assert "POST" in response["Allow"]
