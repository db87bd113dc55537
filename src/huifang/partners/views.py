"""系统管理 → 对接方: list, register (the secret shown once), edit, reset the secret, and a
partner's recent deliveries with 重试 on failed ones. The services check permissions;
the views only decide what to show."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huifang.core.views import ObjectListView, style_form
from huifang.partners import delivery as deliveries
from huifang.partners import services
from huifang.partners.filtersets import PartnerFilterSet
from huifang.partners.forms import PartnerCreateForm, PartnerEditForm
from huifang.partners.models import Delivery, DeliveryStatus, Partner
from huifang.partners.tables import PartnerTable

RECENT = 50  # deliveries shown on a partner's page


class PartnerListView(ObjectListView):
    model = Partner
    filterset_class = PartnerFilterSet
    table_class = PartnerTable
    title = "对接方"
    export_name = "partners"
    actions_template = "partners/_partner_actions.html"


def _partner(request, pk: int, action: str = "view") -> Partner:
    if not request.user.has_perm(f"partners.{action}_partner"):
        raise PermissionDenied(
            "您没有访问此页面的权限" if action == "view" else "您没有维护对接方的权限"
        )
    return get_object_or_404(Partner.objects.restrict(request.user, action), pk=pk)


def _secret_page(request, partner: Partner, secret: str, title: str):
    response = render(
        request, "partners/secret.html", {"title": title, "partner": partner, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def partner_create(request):
    if not request.user.has_perm("partners.add_partner"):
        raise PermissionDenied("您没有新建对接方的权限")
    form = PartnerCreateForm(request.POST or None)
    style_form(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner, secret = services.do_create_partner(
                data["name"], data["kind"], data["url"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _secret_page(request, partner, secret, f"已新建对接方 {partner.name}")
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "新建对接方", "back_url": "partners:partner_list"},
    )


def partner_detail(request, pk: int):
    partner = _partner(request, pk)
    recent = list(
        Delivery.objects.restrict(request.user, "view")
        .filter(partner=partner)
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")[:RECENT]
    )
    return render(
        request,
        "partners/partner_detail.html",
        {
            "title": f"对接方 {partner.name}",
            "partner": partner,
            "deliveries": recent,
            "recent_limit": RECENT,
            "failed": DeliveryStatus.FAILED,
            "may_change": request.user.has_perm("partners.change_partner"),
            "may_retry": request.user.has_perm("partners.change_delivery"),
        },
    )


def partner_edit(request, pk: int):
    partner = _partner(request, pk, "change")
    form = PartnerEditForm(
        request.POST or None, initial={"url": partner.url, "is_enabled": partner.is_enabled}
    )
    style_form(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_update_partner(partner, url=data["url"], actor=request.user)
            services.do_set_enabled(partner, data["is_enabled"], actor=request.user)
        except ValidationError as exc:
            form.add_error("url", exc)
        else:
            messages.success(request, f"已保存对接方 {partner.name}")
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"编辑对接方 {partner.name}", "back_url": "partners:partner_list"},
    )


@never_cache
def partner_reset(request, pk: int):
    partner = _partner(request, pk, "change")
    if request.method == "POST" and request.POST.get("confirmed"):
        secret = services.do_reset_secret(partner, actor=request.user)
        return _secret_page(request, partner, secret, f"已重置对接方 {partner.name} 的密钥")
    return render(
        request,
        "core/confirm.html",
        {
            "title": f"重置对接方 {partner.name} 的密钥",
            "question": "重置后旧密钥立即失效，对接方须换用新密钥才能继续调用接口。确定重置？",
            "hidden": [],
            "cancel_url": reverse("partners:partner_detail", args=[partner.pk]),
        },
    )


@require_POST
def delivery_retry(request, pk: int):
    if not request.user.has_perm("partners.change_delivery"):
        raise PermissionDenied("您没有重试推送的权限")
    delivery = get_object_or_404(Delivery.objects.restrict(request.user, "change"), pk=pk)
    try:
        deliveries.do_retry(delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已重新排队推送")
    return redirect("partners:partner_detail", pk=delivery.partner_id)
