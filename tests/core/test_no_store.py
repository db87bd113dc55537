"""Answers with personal data are not kept by browser or proxy caches (issue 19, found when
probed: pages with personal data sent no ``Cache-Control: no-store``)."""

from __future__ import annotations

import pytest

from huifang.org.services import do_create_token


@pytest.mark.parametrize(
    "path", ["/customers/", "/callbacks/tasks/", "/records/", "/system/audit/", "/"]
)
def test_pages_with_personal_data_are_not_stored(client_for, path):
    response = client_for("hq_admin").get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_export_is_not_stored(client_for):
    response = client_for("hq_admin").get("/customers/?_export=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_stored(client, personas):
    key = do_create_token(personas["hq_admin"])
    response = client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_is_not_stored(client, db):
    assert "no-store" in client.get("/login/")["Cache-Control"]
