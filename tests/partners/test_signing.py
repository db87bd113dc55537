"""The signing module: the documented reference vectors, the headers, encrypted secrets."""

from __future__ import annotations

import re
from pathlib import Path

from huifang.partners import crypto, signing

DOC = Path(__file__).parents[2] / "docs" / "integrators.md"
KEY, SECRET, TIMESTAMP = "hf_test_key", "hf_test_secret_0123456789", 1767225600
POST_PATH = "/api/v1/apphall/invitations/INV0001/responses"
POST_BODY = b'{"submission_id":"S1"}'
POST_SIGNATURE = "f753e011482fae67d04be4f59f78a79d8158b18b8641841db7530a1fc1b2f8d3"
GET_PATH = "/api/v1/apphall/customers/0100000001/invitations"
GET_SIGNATURE = "118142794bfd47ca0d20340844143e93fe6665fde3046cb402c571d2c407290a"


def test_the_reference_vectors_give_the_documented_signatures():
    assert signing.sign(SECRET, TIMESTAMP, "POST", POST_PATH, POST_BODY) == POST_SIGNATURE
    assert signing.sign(SECRET, TIMESTAMP, "GET", GET_PATH, b"") == GET_SIGNATURE


def test_the_docs_show_the_same_vectors_as_the_code():
    text = DOC.read_text(encoding="utf-8")
    for value in (KEY, SECRET, str(TIMESTAMP), POST_PATH, POST_BODY.decode(), GET_PATH):
        assert value in text, value
    documented = re.findall(r"X-Huifang-Signature: ([0-9a-f]{64})", text)
    assert documented[:2] == [POST_SIGNATURE, GET_SIGNATURE]


def test_string_to_sign_is_timestamp_method_path_body_on_lines():
    assert signing.string_to_sign(TIMESTAMP, "post", "/p?x=1", b"{}") == (
        b"1767225600\nPOST\n/p?x=1\n{}"
    )


def test_headers_carry_the_key_the_timestamp_and_the_signature():
    headers = signing.headers(KEY, SECRET, "POST", POST_PATH, POST_BODY, now=TIMESTAMP + 0.9)
    assert headers == {
        "X-Huifang-Key": KEY,
        "X-Huifang-Timestamp": str(TIMESTAMP),
        "X-Huifang-Signature": POST_SIGNATURE,
    }


def test_a_key_is_hf_and_24_url_safe_characters():
    key = crypto.new_key()
    assert re.fullmatch(r"hf_[A-Za-z0-9_-]{24}", key)
    assert key != crypto.new_key()


def test_the_secret_is_stored_encrypted_and_only_signing_reads_it(make_partner):
    partner, secret = make_partner()
    assert secret not in partner.secret_encrypted
    assert signing.secret_of(partner) == secret


def test_a_secret_encrypted_under_another_secret_key_cannot_be_read(make_partner, settings):
    partner, _ = make_partner()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert signing.secret_of(partner) is None


def test_a_new_secret_never_reads_as_a_command_line_option(monkeypatch):
    # token_urlsafe may start with "-": `--secret -abc…` broke the call-centre simulator.
    draws = iter(["-starts-with-a-dash", "fine-secret"])
    monkeypatch.setattr(crypto.secrets, "token_urlsafe", lambda n: next(draws))
    assert crypto.new_secret() == "fine-secret"
