"""两步验证 (TOTP): setting it up, confirming each login, the HQ requirement, resets."""

import pytest
from django.core.exceptions import PermissionDenied
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from huifang.core.models import AuditEvent
from huifang.org import otp
from tests.conftest import PASSWORD


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _device(user, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="测试", confirmed=confirmed)


def _login(client, username="agent_a"):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_a_user_with_a_device_must_enter_a_code_before_any_page(client, personas):
    _device(personas["agent_a"])
    _login(client)
    response = client.get("/callbacks/tasks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/otp/?next=/callbacks/tasks/")


def test_the_right_code_opens_the_pages(client, personas):
    device = _device(personas["agent_a"])
    _login(client)
    response = client.post("/login/otp/", {"code": _code(device), "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="otp_verify", user=personas["agent_a"]).exists()


def test_a_wrong_code_is_refused_in_chinese_and_audited(client, personas):
    device = _device(personas["agent_a"])
    _login(client)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/login/otp/", {"code": wrong, "next": "/"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="otp_failed").count() == 1


def test_a_session_api_call_owing_a_code_is_refused(client, personas):
    _device(personas["agent_a"])
    _login(client)
    response = client.get("/api/v1/branches/")
    assert (response.status_code, response.json()["code"]) == (403, "otp_required")


def test_a_token_call_is_not_asked_for_a_code(client, personas):
    from huifang.org.services import do_create_token

    _device(personas["agent_a"])
    key = do_create_token(personas["agent_a"])
    response = client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_without_a_device_no_code_is_asked(client, personas):
    _login(client)
    assert client.get("/").status_code == 200


def test_setting_up_confirms_the_device_with_a_code(client, personas):
    _login(client)
    page = client.get("/org/otp/").content.decode()
    assert "<svg" in page and 'id="otp-secret"' in page
    device = TOTPDevice.objects.get(user=personas["agent_a"], confirmed=False)
    response = client.post("/org/otp/", {"action": "enable", "code": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="otp_enable", user=personas["agent_a"]).exists()
    assert client.get("/").status_code == 200  # this session is already verified


def test_setting_up_with_a_wrong_code_confirms_nothing(client, personas):
    _login(client)
    client.get("/org/otp/")
    response = client.post("/org/otp/", {"action": "enable", "code": "000000"})
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=personas["agent_a"], confirmed=True).exists()


def test_hq_admins_are_sent_to_set_it_up_when_required(client, personas, settings):
    settings.TOTP_REQUIRED = True
    _login(client, "hq_admin")
    response = client.get("/callbacks/tasks/")
    assert (response.status_code, response["Location"]) == (302, "/org/otp/")


def test_others_are_not_required(client, personas, settings):
    settings.TOTP_REQUIRED = True
    _login(client, "agent_a")
    assert client.get("/").status_code == 200


def test_a_required_second_factor_cannot_be_turned_off(personas, settings):
    settings.TOTP_REQUIRED = True
    device = _device(personas["hq_admin"])
    with pytest.raises(Exception, match="不能停用"):
        otp.do_disable(personas["hq_admin"], _code(device), actor=personas["hq_admin"])
    assert TOTPDevice.objects.filter(user=personas["hq_admin"]).exists()


def test_turning_it_off_needs_a_current_code(personas):
    device = _device(personas["agent_a"])
    otp.do_disable(personas["agent_a"], _code(device), actor=personas["agent_a"])
    assert not TOTPDevice.objects.filter(user=personas["agent_a"]).exists()
    assert AuditEvent.objects.filter(action="otp_disable").exists()


def test_an_administrator_resets_a_lost_device(client_for, personas):
    _device(personas["agent_a"])
    response = client_for("hq_admin").post(f"/org/users/{personas['agent_a'].pk}/otp-reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=personas["agent_a"]).exists()
    assert AuditEvent.objects.filter(action="otp_reset").exists()


def test_an_agent_cannot_reset_anyones_device(client_for, personas):
    _device(personas["agent_b"])
    response = client_for("agent_a").post(f"/org/users/{personas['agent_b'].pk}/otp-reset/")
    assert response.status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=personas["agent_b"]).exists()


def test_a_manager_cannot_reset_another_branchs_user(personas):
    _device(personas["agent_b"])
    with pytest.raises(PermissionDenied):
        otp.do_reset(personas["agent_b"], actor=personas["manager_a"])
    assert TOTPDevice.objects.filter(user=personas["agent_b"]).exists()


def test_a_wrong_code_when_turning_it_on_is_audited(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        otp.do_enable(personas["agent_a"], "000000", actor=personas["agent_a"])
    assert AuditEvent.objects.filter(action="otp_failed", user=personas["agent_a"]).exists()
