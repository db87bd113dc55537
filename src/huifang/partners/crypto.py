"""Partner secrets at rest: Fernet with a key derived from ``SECRET_KEY``.

Only :mod:`huifang.partners.signing` decrypts (to verify or sign); pages, the CLI and the
audit log see a secret once, in clear, when it is created or reset. Changing
``SECRET_KEY`` makes the stored secrets unreadable: reset each partner's secret then.
"""

from __future__ import annotations

import base64
import functools
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

INFO = b"huifang.partners.secret"


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def new_key() -> str:
    """A partner key: ``hf_`` and 24 URL-safe characters."""
    return "hf_" + secrets.token_urlsafe(18)


def new_secret() -> str:
    """43 URL-safe characters (256 random bits), never starting with ``-``: a secret
    passed on a command line (``--secret VALUE``) must not read as an option."""
    while True:
        secret = secrets.token_urlsafe(32)
        if not secret.startswith("-"):
            return secret


def encrypt(secret: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    """The clear secret, or None when it cannot be read (another SECRET_KEY)."""
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
