"""The one error a partner endpoint answers with (re-exported by :mod:`huifang.partners.api`)."""

from __future__ import annotations


class PartnerError(Exception):
    """A refusal to tell the partner: HTTP ``status``, a stable English ``code``, a Chinese
    ``message`` and, for bad fields, ``errors`` by field. The API turns it into JSON
    ``{"code", "message", "errors"}``."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.errors}
