"""Signing helpers for tests of partner endpoints (used by the surveys tests too, through
the ``signed_client`` and ``make_partner`` fixtures of ``tests/conftest.py``)."""

from __future__ import annotations

import json

from huifang.partners import signing
from huifang.partners.models import Partner, PartnerKind


def make_partner(name: str = "掌厅", kind: str = PartnerKind.APPHALL, url: str = "", **fields):
    """A registered partner and its clear secret (made by the service, as the system)."""
    from huifang.partners.services import do_create_partner

    partner, secret = do_create_partner(name, kind, url)
    if fields:
        Partner.objects.filter(pk=partner.pk).update(**fields)
        partner.refresh_from_db()
    return partner, secret


class SignedClient:
    """Django's test client, signing each request as ``partner`` would.

    ``signed_client.post(partner, "/api/v1/…", {...})``; ``data`` may be a dict (sent as
    JSON) or raw bytes. ``now`` (Unix seconds), ``secret``, ``key`` and ``headers``
    override what is signed or sent, to test refusals."""

    def __init__(self, client):
        self.client = client

    def get(self, partner: Partner, path: str, **options):
        return self.request("GET", partner, path, b"", **options)

    def post(self, partner: Partner, path: str, data=None, **options):
        body = data if isinstance(data, bytes) else json.dumps(data or {}).encode()
        return self.request("POST", partner, path, body, **options)

    def request(
        self,
        method: str,
        partner: Partner,
        path: str,
        body: bytes,
        *,
        now=None,
        secret: str | None = None,
        key: str | None = None,
        headers: dict | None = None,
        signed_body: bytes | None = None,
    ):
        signed = signing.headers(
            key or partner.key,
            secret or signing.secret_of(partner),
            method,
            path,
            body if signed_body is None else signed_body,
            now=now,
        )
        signed.update(headers or {})
        sent = {name: value for name, value in signed.items() if value is not None}
        if method == "GET":
            return self.client.get(path, headers=sent)
        return self.client.generic(
            method, path, body, content_type="application/json", headers=sent
        )
