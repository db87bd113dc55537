"""``core.ratelimit.over_limit``: exact for small limits, shared every ``step`` requests
for large ones (at most ``step - 1`` requests per process beyond the limit)."""

import pytest
from django.core.cache import cache

from huifang.core import ratelimit


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    ratelimit._local.clear()
    yield
    ratelimit._local.clear()


def test_a_small_limit_refuses_the_request_after_it():
    assert [ratelimit.over_limit("t", "a", 3) for _ in range(4)] == [False] * 3 + [True]


def test_a_large_limit_refuses_the_request_after_it():
    limit = 2 * ratelimit.SHARE_EVERY_PART * 5  # step 10
    answers = [ratelimit.over_limit("t", "a", limit) for _ in range(limit + 1)]
    assert answers == [False] * limit + [True]


def test_a_large_limit_writes_the_shared_count_once_per_step(monkeypatch):
    calls = []
    monkeypatch.setattr(ratelimit, "_add", lambda key, n: calls.append(n) or sum(calls))
    for _ in range(25):
        ratelimit.over_limit("t", "a", 10 * ratelimit.SHARE_EVERY_PART)  # step 10
    assert calls == [10, 10]


def test_another_process_learns_the_shared_count_at_its_next_step():
    limit = 3 * ratelimit.SHARE_EVERY_PART  # step 3
    for _ in range(limit):
        assert not ratelimit.over_limit("t", "a", limit)
    ratelimit._local.clear()  # a second process: nothing counted locally yet
    answers = [ratelimit.over_limit("t", "a", limit) for _ in range(3)]
    assert answers == [False, False, True]


def test_each_who_is_counted_apart():
    assert not ratelimit.over_limit("t", "a", 1)
    assert not ratelimit.over_limit("t", "b", 1)
    assert ratelimit.over_limit("t", "a", 1)
