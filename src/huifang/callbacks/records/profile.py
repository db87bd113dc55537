"""The customer facts the brochure's form shows read-only, masked as on every page."""

from __future__ import annotations

import datetime

from django.utils import timezone

from huifang.core.masking import mask_address, mask_id, mask_phone
from huifang.customers.choices import Status
from huifang.customers.models import Customer


def customer_facts(customer: Customer, day: datetime.date | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs in the brochure's order; ID, phone numbers and address masked."""
    day = day or timezone.localdate()
    age = customer.age_on(day)
    return [
        ("客户账号", customer.investor_code),
        ("客户名称", customer.name),
        ("客户类型", customer.get_customer_type_display()),
        ("客户年龄", "" if age is None else str(age)),
        ("证件类型", customer.get_id_type_display() if customer.id_type else ""),
        ("证件号码", mask_id(customer.id_number)),
        ("风险承受能力", customer.risk_label),
        ("性别", customer.get_gender_display() if customer.gender else ""),
        ("职业", customer.occupation),
        ("所属营业部", f"{customer.branch.code} {customer.branch.name}"),
        ("手机号", mask_phone(customer.mobile)),
        ("联系电话", mask_phone(customer.phone)),
        ("客户联系地址", mask_address(customer.address)),
        ("是否销户", "注销" if customer.status == Status.CLOSED else "有效"),
        ("休眠状态", "休眠" if customer.dormant else "正常"),
    ]
