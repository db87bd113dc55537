"""Writes on partners: register, edit, enable/disable, reset the secret. Each checks the
actor's permission, runs in one transaction and writes its audit row (never the secret)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.choices import parse_choice
from huifang.core.permissions import require
from huifang.partners import crypto
from huifang.partners.audit_actions import PartnerAction
from huifang.partners.models import Partner, PartnerKind

FIELDS = ["name", "kind", "key", "url", "is_enabled"]  # what the audit log keeps


def _snapshot(partner: Partner) -> dict:
    return audit.snapshot(partner, FIELDS)


def clean_url(url: str | None) -> str:
    """An http(s) URL or empty; ValidationError (Chinese) otherwise."""
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError("推送地址必须是 http:// 或 https:// 开头的完整网址") from exc
    return url


def clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写对接方名称")
    if len(name) > 100:
        raise ValidationError("对接方名称最多 100 个字")
    return name


def do_create_partner(name: str, kind: str, url: str = "", *, actor=None) -> tuple[Partner, str]:
    """Register a partner; returns it and its clear secret (shown this once)."""
    actor = as_actor(actor)
    require(actor, "partners.add_partner", message="您没有新建对接方的权限")
    name = clean_name(name)
    try:
        kind = parse_choice(PartnerKind, kind, noun="对接方类型")
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    url = clean_url(url)
    if Partner.objects.filter(name=name).exists():
        raise ValidationError(f"对接方“{name}”已存在")
    secret = crypto.new_secret()
    partner = Partner(name=name, kind=kind, key=crypto.new_key(), url=url)
    partner.set_secret(secret)
    try:
        with transaction.atomic():
            partner.save()
            audit.record(
                PartnerAction.PARTNER_CREATE, partner, after=_snapshot(partner), actor=actor
            )
    except IntegrityError as exc:  # the same name registered at the same moment
        raise ValidationError(f"对接方“{name}”已存在") from exc
    return partner, secret


def do_update_partner(partner: Partner, *, url: str, actor=None) -> Partner:
    """Change the partner's push URL (empty: Huifang pushes nothing to it)."""
    actor = as_actor(actor)
    require(actor, "partners.change_partner", partner, message="您没有修改对接方的权限")
    url = clean_url(url)
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        before = _snapshot(partner)
        partner.url = url
        partner.save(update_fields=["url", "updated_at"])
        changed_before, changed_after = audit.diff(before, _snapshot(partner))
        if changed_after:
            audit.record(
                PartnerAction.PARTNER_UPDATE,
                partner,
                before=changed_before,
                after=changed_after,
                actor=actor,
            )
    return partner


def do_set_enabled(partner: Partner, enabled: bool, *, actor=None) -> Partner:
    """Enable or disable a partner (a disabled one is answered 403 and pushed nothing)."""
    actor = as_actor(actor)
    require(actor, "partners.change_partner", partner, message="您没有启用或停用对接方的权限")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        if partner.is_enabled != enabled:
            partner.is_enabled = enabled
            partner.save(update_fields=["is_enabled", "updated_at"])
            audit.record(
                PartnerAction.PARTNER_ENABLE if enabled else PartnerAction.PARTNER_DISABLE,
                partner,
                before={"is_enabled": not enabled},
                after={"is_enabled": enabled},
                actor=actor,
            )
    return partner


def do_reset_secret(partner: Partner, *, actor=None) -> str:
    """Give the partner a new secret (the old one stops working at once); returns it in
    clear, to be shown this once."""
    actor = as_actor(actor)
    require(actor, "partners.change_partner", partner, message="您没有重置对接方密钥的权限")
    secret = crypto.new_secret()
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner.pk)
        partner.set_secret(secret)
        partner.save(update_fields=["secret_encrypted", "updated_at"])
        audit.record(PartnerAction.PARTNER_RESET_SECRET, partner, message="密钥已重置", actor=actor)
    return secret
