"""Behind a reverse proxy: HTTPS only (HUIFANG_SECURE_COOKIES), and the client's address
from X-Forwarded-For only when the proxy is trusted (HUIFANG_TRUSTED_PROXIES)."""

import pytest
from django.test import RequestFactory

from huifang.core.middleware import client_ip
from huifang.core.models import AuditEvent


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, https_only):
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_the_health_check_answers_over_plain_http(client, https_only):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_https_answers_carry_hsts(client, https_only):
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = frozenset()
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_a_trusted_proxy_gives_the_nearest_hop_it_did_not_add_itself(settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.2", "10.0.0.3"})
    forwarded = "1.2.3.4, 198.51.100.7, 10.0.0.3"  # a client may prepend anything
    assert client_ip(request("10.0.0.2", forwarded)) == "198.51.100.7"


def test_trusted_proxies_may_be_networks(settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.0/8", "fd00::/8"})
    forwarded = "1.2.3.4, 198.51.100.7, 10.20.30.40"  # the inner proxy is in 10.0.0.0/8 too
    assert client_ip(request("10.0.0.2", forwarded)) == "198.51.100.7"
    assert client_ip(request("fd00::5", "198.51.100.8")) == "198.51.100.8"
    assert client_ip(request("203.0.113.9", "198.51.100.7")) == "203.0.113.9"


def test_an_ipv4_proxy_seen_through_a_dual_stack_socket_is_trusted(settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.0/8"})
    assert client_ip(request("::ffff:10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_a_forwarded_hop_that_is_no_address_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.2"})
    assert client_ip(request("10.0.0.2", "not-an-ip")) == "10.0.0.2"


def test_audit_rows_of_a_request_through_a_trusted_proxy_keep_the_clients_address(
    client, personas, settings
):
    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    client.post(
        "/login/",
        {"username": "agent_a", "password": "Huifang-test-2026"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert AuditEvent.objects.filter(action="login").latest("time").ip == "198.51.100.7"


def test_audit_rows_ignore_a_forwarded_for_sent_by_an_untrusted_peer(client, personas, settings):
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.2"})
    client.post(
        "/login/",
        {"username": "agent_a", "password": "Huifang-test-2026"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",  # a client claiming another address
    )
    assert AuditEvent.objects.filter(action="login").latest("time").ip == "203.0.113.9"
