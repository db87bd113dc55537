"""403, 404, 500 and a failed CSRF check: the product's layout, Chinese, a way back; JSON
under /api/."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import path

from huifang.core import errors


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]
handler500 = "huifang.core.errors.server_error"


def test_forbidden_page_is_chinese_in_the_layout_with_a_way_back(client_for):
    response = client_for("manager_a").get(
        "/rules/A001/edit/", HTTP_REFERER="http://testserver/rules/A001/"
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert "Forbidden" not in body
    assert "没有权限" in body
    assert "您没有执行此操作的权限" in body  # the view's own reason
    assert 'id="nav"' in body  # the layout, with the navigation
    assert 'href="http://testserver/rules/A001/" data-testid="error-back"' in body
    assert 'href="/" data-testid="error-home"' in body


def test_a_back_link_to_another_site_is_not_offered(client_for):
    response = client_for("manager_a").get(
        "/rules/A001/edit/", HTTP_REFERER="https://evil.example/phish"
    )
    body = response.content.decode()
    assert "evil.example" not in body
    assert 'data-testid="error-home"' in body


def test_unknown_url_is_the_chinese_404_page(client_for):
    response = client_for("agent_a").get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body
    assert "Not Found" not in body
    assert 'data-testid="error-home"' in body


def test_a_missing_object_does_not_show_djangos_english_text(client_for):
    response = client_for("agent_a").get("/callbacks/tasks/999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "matches the given query" not in body
    assert "您访问的页面不存在" in body


def test_api_errors_stay_json(client_for):
    client = client_for("agent_a")
    unknown = client.get("/api/v1/no-such-endpoint/")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith("application/json")
    assert json.loads(unknown.content)["code"] == "not_found"
    refused = client.get("/api/v1/rules/")  # agents hold no rules.view_rule
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/json")


def test_the_500_page_needs_neither_the_database_nor_the_request_context():
    # No ``db`` fixture: any query would fail this test.
    response = errors.server_error(RequestFactory().get("/rules/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统错误" in body
    assert "系统内部错误" in body
    assert 'href="/" data-testid="error-home"' in body


@pytest.mark.urls("tests.core.test_error_pages")
def test_a_crashing_page_answers_with_the_chinese_500_page(personas, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(personas["agent_a"])
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统内部错误" in body
    assert "Server Error" not in body


def test_a_failed_csrf_check_is_a_chinese_page(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["hq_admin"])
    response = client.post("/rules/A001/toggle/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "CSRF verification failed" not in body
    assert "页面已过期" in body


def test_a_refused_request_is_the_chinese_400_page():
    # No ``db`` fixture: like the 500 page, it renders on its own.
    response = errors.bad_request(RequestFactory().get("/rules/"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "请求无效" in body and "Bad Request" not in body
    assert 'href="/" data-testid="error-home"' in body


def test_an_unknown_host_is_answered_with_the_chinese_400_page(db, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()
