"""Following a ``next`` address only when it stays on this site."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, fallback: str, *args) -> str:
    """The request's ``next`` (POST, else GET) when it is an address on this site (same host,
    HTTPS when the request is); else ``fallback`` (a URL name or path, ``args`` for it).
    Anything else — another host, ``//host``, ``/\\host``, ``javascript:`` — is ignored."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback, *args)
