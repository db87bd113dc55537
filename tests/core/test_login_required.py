"""Pages need a login unless their view declares itself public (Django's
``LoginRequiredMiddleware`` and ``@login_not_required``); the API answers for itself."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

# The views anyone may reach without a session, by URL name. A new public view (the H5
# questionnaire page, a partner endpoint) is declared on the view and added here.
PUBLIC = {"login", "logout", "healthz", "survey_h5"}


def patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_only_the_declared_pages_and_the_api_are_public():
    public = set()
    for route, entry in patterns():
        view = entry.callback
        if getattr(view, "login_required", True):
            continue
        if isinstance(getattr(view, "cls", None), type) and issubclass(view.cls, APIView):
            assert route.startswith("api/"), route  # DRF authenticates: JSON 401/403
            continue
        public.add(entry.name)
    assert public == PUBLIC


@pytest.mark.django_db
def test_a_page_sends_an_anonymous_visitor_to_login_and_back(client):
    response = client.get("/customers/?q=1")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/%3Fq%3D1"


@pytest.mark.django_db
def test_login_health_check_and_logout_answer_without_a_session(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").content == b"ok"
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"


@pytest.mark.django_db
def test_the_api_answers_an_anonymous_caller_with_json(client):
    response = client.get("/api/v1/customers/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_an_unknown_page_shows_the_chinese_404_page_without_a_session(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_static_files_are_served_before_any_login_check(client, settings):
    assert settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") < (
        settings.MIDDLEWARE.index("django.contrib.auth.middleware.LoginRequiredMiddleware")
    )
