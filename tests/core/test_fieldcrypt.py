"""The field-encryption primitives (``core.fieldcrypt``): authenticated encryption that
round-trips, refuses tampering, never reuses a nonce across a fork, and a blind index that
is exactly HMAC-SHA256."""

from __future__ import annotations

import base64
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


def _nonce(stored: str) -> bytes:
    return base64.urlsafe_b64decode(stored.split("$", 2)[2])[: fieldcrypt.NONCE]


def _child_encrypts(keys, pipe):
    pipe.send(keys.encrypt("13812345678"))
    pipe.close()


def test_a_forked_process_does_not_reuse_the_parents_nonces():
    keys = ring()
    keys.encrypt("13812345678")  # the parent has encrypted before the fork
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child_encrypts, args=(keys, send))
    child.start()
    theirs = receive.recv()
    child.join()
    assert _nonce(theirs) != _nonce(keys.encrypt("13812345678"))


@given(st.lists(st.text(max_size=40), max_size=30))
def test_a_column_encrypted_at_once_round_trips_with_empty_values_kept(texts):
    keys = ring()
    stored = keys.encrypt_many(texts)
    assert [keys.decrypt(v) for v in stored] == texts
    assert [v for v, t in zip(stored, texts, strict=True) if not t] == [t for t in texts if not t]


def test_each_value_of_a_column_has_its_own_nonce():
    stored = ring().encrypt_many(["13812345678"] * 1000)
    assert len({_nonce(v) for v in stored}) == 1000


@given(st.lists(st.text(max_size=40), max_size=30))
def test_a_column_indexed_at_once_is_the_hmac_of_each_value(texts):
    expected = [
        hmac.new(INDEX, t.encode("utf-8"), hashlib.sha256).hexdigest()[:32] if t else ""
        for t in texts
    ]
    assert ring().index_many(texts) == expected
