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


def validation_errors(exc) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as a refusal's ``errors``: every partner endpoint's
    ``{field or question id: ["中文说明", …]}`` (lists, as the REST API's ``{field: […]}``)."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}
