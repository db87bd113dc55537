"""An API token's last use (time and address) is kept, at most once a minute, and shown
on the token page; a new token starts unused."""

import datetime

from django.core.cache import cache
from django.utils import timezone

from huifang.org.models import TokenUse
from huifang.org.services import do_create_token, do_revoke_token


def _use(client, key):
    return client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_request_with_the_token_records_its_time_and_address(client, personas):
    cache.clear()
    key = do_create_token(personas["agent_a"])
    before = timezone.now()
    assert _use(client, key).status_code == 200
    use = TokenUse.objects.get(user=personas["agent_a"])
    assert use.last_used_at >= before
    assert use.last_ip == "127.0.0.1"


def test_uses_within_a_minute_write_once(client, personas):
    cache.clear()
    key = do_create_token(personas["agent_a"])
    _use(client, key)
    stamp = timezone.now() - datetime.timedelta(seconds=30)
    TokenUse.objects.filter(user=personas["agent_a"]).update(last_used_at=stamp)
    _use(client, key)
    assert TokenUse.objects.get(user=personas["agent_a"]).last_used_at == stamp


def test_a_new_token_starts_unused(client, personas):
    cache.clear()
    key = do_create_token(personas["agent_a"])
    _use(client, key)
    do_create_token(personas["agent_a"])
    assert not TokenUse.objects.filter(user=personas["agent_a"]).exists()


def test_revoking_forgets_the_use(client, personas):
    cache.clear()
    key = do_create_token(personas["agent_a"])
    _use(client, key)
    do_revoke_token(personas["agent_a"])
    assert not TokenUse.objects.exists()


def test_the_token_page_shows_the_last_use(client, client_for, personas):
    cache.clear()
    key = do_create_token(personas["agent_a"])
    _use(client, key)
    page = client_for("agent_a").get("/org/token/").content.decode()
    assert "最近使用：" in page and "来自 127.0.0.1" in page


def test_the_token_page_says_an_unused_token_is_unused(client_for, personas):
    do_create_token(personas["agent_a"])
    assert "尚未使用" in client_for("agent_a").get("/org/token/").content.decode()
