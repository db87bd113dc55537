"""A signing HTTP client for scripts and simulators (a partner's side of the API)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from huifang.partners import signing


class SignedClient:
    """``SignedClient("http://localhost:8000", key, secret).post("/api/v1/…", {...})`` →
    ``(status, parsed JSON or None)``; every request carries the X-Huifang-* headers."""

    def __init__(self, base_url: str, key: str, secret: str, *, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.key, self.secret, self.timeout = key, secret, timeout

    def get(self, path: str) -> tuple[int, dict | None]:
        return self.request("GET", path)

    def post(self, path: str, json_body: dict | None = None) -> tuple[int, dict | None]:
        return self.request("POST", path, json_body)

    def request(self, method: str, path: str, json_body=None) -> tuple[int, dict | None]:
        url = self.base_url + path
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = b"" if json_body is None else json.dumps(json_body, ensure_ascii=False).encode()
        headers = signing.headers(self.key, self.secret, method, signed_path, body)
        if json_body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(
            url, data=body if method != "GET" else None, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _parsed(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _parsed(exc.read())


def _parsed(raw: bytes) -> dict | None:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
