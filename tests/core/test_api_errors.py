"""Every API refusal has one shape: ``{"code", "message" (Chinese), "errors"}``."""

import re

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _shape(response) -> dict:
    data = response.json()
    assert set(data) == {"code", "message", "errors"}
    assert CHINESE.search(data["message"])
    return data


def test_no_credentials_is_401_with_a_token_challenge(client, db):
    response = client.get("/api/v1/branches/")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Token")
    assert _shape(response)["code"] == "not_authenticated"


def test_a_bad_token_is_401(client, db):
    response = client.get("/api/v1/branches/", HTTP_AUTHORIZATION="Token nonsense")
    assert (response.status_code, _shape(response)["code"]) == (401, "authentication_failed")


def test_a_missing_permission_is_403(client_for):
    response = client_for("agent_a").post(
        "/api/v1/imports/customers/", {"rows": []}, "application/json"
    )
    assert (response.status_code, _shape(response)["code"]) == (403, "permission_denied")


def test_out_of_scope_is_404(client_for):
    response = client_for("agent_a").get("/api/v1/branches/0102/")
    assert (response.status_code, _shape(response)["code"]) == (404, "not_found")


def test_an_unknown_address_is_404_in_the_same_shape(client_for):
    response = client_for("agent_a").get("/api/v1/no-such-thing/")
    assert (response.status_code, _shape(response)["code"]) == (404, "not_found")


def test_a_validation_error_names_its_field(client_for):
    response = client_for("hq_admin").get("/api/v1/customers/?age_max=100000")
    data = _shape(response)
    assert (response.status_code, data["code"], list(data["errors"])) == (400, "invalid", ["age"])
    assert data["message"] in data["errors"]["age"]


def test_a_body_that_is_not_json_is_400(client_for):
    response = client_for("hq_admin").post(
        "/api/v1/callback-records/", "{nope", content_type="application/json"
    )
    assert (response.status_code, _shape(response)["code"]) == (400, "parse_error")


def test_an_unsupported_method_is_405(client_for):
    response = client_for("hq_admin").delete("/api/v1/branches/01/")
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"


def test_over_the_rate_limit_is_429_in_the_same_shape(client_for, settings, monkeypatch):
    settings.API_RATE_LIMIT = 2
    monkeypatch.setattr("huifang.core.ratelimit.time.time", lambda: 1_767_225_630.0)  # :30 s
    client = client_for("agent_a")
    statuses = [client.get("/api/v1/branches/").status_code for _ in range(3)]
    response = client.get("/api/v1/branches/")
    assert statuses == [200, 200, 429]
    assert (response.status_code, _shape(response)["code"]) == (429, "rate_limited")
    assert response.json()["message"] == "请求过于频繁：每位用户每分钟最多 2 次，请稍后重试"
    assert response["Retry-After"] == "30"


def test_the_rate_limit_counts_each_user_apart(client_for, settings, monkeypatch):
    settings.API_RATE_LIMIT = 1
    monkeypatch.setattr("huifang.core.ratelimit.time.time", lambda: 1_767_225_630.0)
    assert client_for("agent_a").get("/api/v1/branches/").status_code == 200
    assert client_for("manager_a").get("/api/v1/branches/").status_code == 200
