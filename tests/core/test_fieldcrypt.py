"""The field-encryption primitives (``core.fieldcrypt``): authenticated encryption that
round-trips, refuses tampering, never reuses a nonce across a fork, and a blind index that
is exactly HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing

from hypothesis import given
from hypothesis import strategies as st

from huifang.core import fieldcrypt

KEY, OTHER, INDEX = b"k" * 32, b"o" * 32, b"i" * 32


def ring(*keys: bytes) -> fieldcrypt.Keyring:
    return fieldcrypt.Keyring(list(keys or (KEY,)), INDEX)


@given(st.text(min_size=1, max_size=300))
def test_any_text_round_trips(text):
    keys = ring()
    assert keys.decrypt(keys.encrypt(text)) == text


def test_a_tampered_value_reads_as_unreadable():
    keys = ring()
    stored = keys.encrypt("13812345678")
    flipped = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    assert keys.decrypt(flipped) == fieldcrypt.UNREADABLE


def test_an_older_key_still_decrypts_what_it_encrypted():
    old = ring(OTHER).encrypt("13812345678")
    assert ring(KEY, OTHER).decrypt(old) == "13812345678"
    assert not ring(KEY, OTHER).is_current(old)


@given(st.text(min_size=1, max_size=100))
def test_the_blind_index_is_hmac_sha256_of_the_value(text):
    expected = hmac.new(INDEX, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    assert ring().index(text) == expected


def _child_nonce(keys, pipe):
    pipe.send(keys._nonce())
    pipe.close()


def test_a_forked_process_does_not_reuse_the_parents_nonces():
    keys = ring()
    keys._nonce()  # the pool is filled before the fork
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child_nonce, args=(keys, send))
    child.start()
    theirs = receive.recv()
    child.join()
    assert theirs != keys._nonce()
