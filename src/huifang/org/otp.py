"""两步验证 (TOTP, django-otp): an authenticator app's six-digit code after the password.

Any user may turn it on under 用户菜单 → 两步验证; with ``HUIFANG_TOTP_REQUIRED`` HQ admins
must (they are sent to set it up before any other page). A user with a confirmed device
confirms every login with a code before any page or session API call; token integrations
are not concerned (a token is its own credential). An administrator resets a user's device
(a lost phone) from the user's page. Every change and every failed code is audited.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from huifang.core import audit
from huifang.core.permissions import require
from huifang.core.scoping import get_for
from huifang.org.audit_actions import OrgAction
from huifang.org.models import Role, User
from huifang.org.services import check_owner_or_admin

DEVICE_NAME = "身份验证器"
# Pages a user who still owes a code may open: the login steps, logging out, static files.
FREE_PATHS = ("/login/", "/logout/", "/static/", "/healthz", "/org/otp/")
CODE_MESSAGE = "验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字"


def is_required(user) -> bool:
    """Whether ``user`` must use a second factor (HQ admins, when the setting says so)."""
    return bool(settings.TOTP_REQUIRED) and getattr(user, "role", None) == Role.HQ_ADMIN


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user) -> bool:
    """Whether ``user`` has a confirmed device, from the cache (every page asks; only this
    module's services change the answer, and they forget it)."""
    key = _cache_key(user)
    known = cache.get(key)
    if known is None:
        known = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        cache.set(key, known, 3600)
    return known


def _forget(user) -> None:
    transaction.on_commit(lambda: cache.delete(_cache_key(user)))


def _cache_key(user) -> str:
    return f"huifang:otp:{user.pk}"


# -- services ----------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up for ``user`` (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _verify(device: TOTPDevice, code: str) -> bool:
    code = (code or "").strip()
    return code.isdigit() and len(code) == device.digits and device.verify_token(code)


def do_enable(user: User, code: str, *, actor) -> TOTPDevice:
    """Confirm ``user``'s pending device with a code from it (the user, or an administrator
    of the user's branch sitting beside them with the phone)."""
    check_owner_or_admin(user, actor)
    device = pending_device(user)
    if not _verify(device, code):
        audit.record(OrgAction.OTP_FAILED, user, actor=actor, message="启用两步验证：验证码错误")
        raise ValidationError({"code": CODE_MESSAGE})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _forget(user)
        audit.record(OrgAction.OTP_ENABLE, user, actor=actor, message="启用两步验证")
    return device


def do_disable(user: User, code: str, *, actor) -> None:
    """Turn ``user``'s second factor off with a current code; not where it is required."""
    check_owner_or_admin(user, actor)
    if is_required(user):
        raise ValidationError({"code": "总部管理员必须使用两步验证，不能停用"})
    device = confirmed_device(user)
    if device is None:
        return
    if not _verify(device, code):
        audit.record(OrgAction.OTP_FAILED, user, actor=actor, message="停用两步验证：验证码错误")
        raise ValidationError({"code": CODE_MESSAGE})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        _forget(user)
        audit.record(OrgAction.OTP_DISABLE, user, actor=actor, message="停用两步验证")


@transaction.atomic
def do_reset(user: User, *, actor) -> bool:
    """An administrator removes ``user``'s devices (a lost phone); whether there were any."""
    require(actor, "org.change_user", user.branch, message="您没有维护用户的权限")
    if not TOTPDevice.objects.filter(user=user).delete()[0]:
        return False
    _forget(user)
    audit.record(OrgAction.OTP_RESET, user, actor=actor, message="管理员重置两步验证")
    return True


def verify_login(request, code: str) -> bool:
    """Confirm the signed-in user's login with ``code``; audited either way."""
    user = request.user
    device = confirmed_device(user)
    if device is None or not _verify(device, code):
        audit.record(OrgAction.OTP_FAILED, user, actor=user, message="登录两步验证：验证码错误")
        return False
    otp_login(request, device)
    audit.record(OrgAction.OTP_VERIFY, user, actor=user, message="登录两步验证通过")
    return True


# -- middleware --------------------------------------------------------------------------


class SecondFactorMiddleware:
    """A signed-in user who owes a code goes to 两步验证 before anything else; an HQ admin
    who must use one and has none goes to set it up. Session calls to the API are refused
    in the API's error shape; token calls pass (the session user is anonymous there)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(FREE_PATHS):
            return self.get_response(request)
        if user.is_verified():
            return self.get_response(request)
        device = has_device(user)
        if device:
            return self._refuse(request, "otp_verify", "请先输入身份验证器中的验证码完成登录")
        if not device and is_required(user):
            messages.warning(request, "总部管理员必须启用两步验证：请用身份验证器扫描二维码")
            return self._refuse(request, "org:otp", "请先启用两步验证")
        return self.get_response(request)

    def _refuse(self, request, target: str, message: str):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "otp_required", "message": message, "errors": {}},
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        url = reverse(target)
        if target == "otp_verify":
            url += f"?next={request.get_full_path()}"
        return redirect(url)


# -- pages -------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "请输入 6 位验证码",
            "min_length": "验证码为 6 位数字",
            "max_length": "验证码为 6 位数字",
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )


def verify_view(request):
    """登录第二步: the code after the password."""
    if not request.user.is_authenticated:
        return redirect("login")
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    if confirmed_device(request.user) is None or request.user.is_verified():
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify_login(request, form.cleaned_data["code"]):
            return redirect(next_url)
        form.add_error("code", CODE_MESSAGE)
    return render(
        request, "org/otp_verify.html", {"title": "两步验证", "form": form, "next": next_url}
    )


def setup_view(request):
    """用户菜单 → 两步验证: turn it on (scan, confirm with a code) or off."""
    user = request.user
    device = confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "disable":
                do_disable(user, code, actor=user)
                messages.success(request, "已停用两步验证")
            else:
                device = do_enable(user, code, actor=user)
                otp_login(request, device)
                messages.success(request, "已启用两步验证：以后每次登录都需要输入验证码")
            return redirect("org:otp")
        except ValidationError as exc:
            for message in exc.message_dict.get("code", exc.messages):
                form.add_error("code", message)
    context = {"title": "两步验证", "form": form, "device": device, "required": is_required(user)}
    if device is None:
        pending = pending_device(user)
        context.update(secret=_base32(pending), qr_svg=_qr_svg(pending.config_url))
    return render(request, "org/otp_setup.html", context)


def reset_view(request, pk: int):
    """管理员重置两步验证 (POST from the user's page)."""
    if request.method != "POST":
        return redirect("org:user_edit", pk=pk)
    user = get_for(
        request.user, User.objects.all(), "change", message="您没有维护用户的权限", pk=pk
    )
    if do_reset(user, actor=request.user):
        messages.success(request, f"已重置 {user.username} 的两步验证，其下次登录时重新设置")
    else:
        messages.info(request, f"{user.username} 没有启用两步验证")
    return redirect("org:user_edit", pk=pk)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # without the XML declaration: it sits inside HTML
