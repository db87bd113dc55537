"""``huifang partner create|list|disable|enable``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.core.models import AuditEvent
from huifang.partners import signing
from huifang.partners.models import Partner

pytestmark = pytest.mark.django_db


def _run(*args) -> list[str]:
    out = io.StringIO()
    call_command("partner", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_the_key_then_the_secret_on_the_last_line():
    lines = _run("create", "掌厅", "--kind", "apphall", "--url", "https://a.example.com/h")
    assert lines[-2].startswith("key=hf_") and lines[-1].startswith("secret=")
    partner = Partner.objects.get(name="掌厅")
    assert lines[-2] == f"key={partner.key}"
    assert signing.secret_of(partner) == lines[-1].removeprefix("secret=")
    assert (partner.kind, partner.url, partner.is_enabled) == (
        "apphall",
        "https://a.example.com/h",
        True,
    )


def test_create_is_audited_as_the_command_without_the_secret():
    secret = _run("create", "外呼", "--kind", "callcenter")[-1].removeprefix("secret=")
    event = AuditEvent.objects.get(action="partner_create")
    assert event.actor_label == "command:partner create"
    assert secret not in str(event.after) and "secret" not in event.after


def test_a_duplicate_name_is_refused_in_chinese():
    _run("create", "掌厅", "--kind", "apphall")
    with pytest.raises(CommandError, match="已存在"):
        _run("create", "掌厅", "--kind", "sms")
    assert Partner.objects.count() == 1


def test_an_unknown_kind_is_refused():
    with pytest.raises(CommandError):
        _run("create", "掌厅", "--kind", "fax")
    assert not Partner.objects.exists()


def test_a_bad_url_is_refused_in_chinese():
    with pytest.raises(CommandError, match="推送地址"):
        _run("create", "掌厅", "--kind", "apphall", "--url", "ftp://x")


def test_list_shows_name_kind_key_url_and_state():
    _run("create", "掌厅", "--kind", "apphall", "--url", "https://a.example.com/h")
    key = Partner.objects.get().key
    header, row = _run("list")
    assert header.split() == ["名称", "类型", "key", "地址", "状态"]
    assert row.split() == ["掌厅", "掌厅", key, "https://a.example.com/h", "启用"]


def test_disable_and_enable_by_name():
    _run("create", "掌厅", "--kind", "apphall")
    _run("disable", "掌厅")
    assert not Partner.objects.get().is_enabled
    assert _run("list")[-1].split()[-1] == "停用"
    _run("enable", "掌厅")
    assert Partner.objects.get().is_enabled
    assert AuditEvent.objects.filter(action__in=["partner_disable", "partner_enable"]).count() == 2


def test_an_unknown_name_is_refused_in_chinese():
    with pytest.raises(CommandError, match="不存在"):
        _run("disable", "无此对接方")
