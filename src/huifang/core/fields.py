"""Model fields for exact money.

Amounts are stored as whole fen (分) in a BIGINT column and handed to Python as Decimal
yuan. SQLite has no exact decimal type (its DECIMAL columns hold floats, and SUM over them
rounds), so integer fen are what keeps sums and comparisons exact on both databases.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

CENT = Decimal("0.01")


def to_cents(value) -> int | None:
    """Decimal/int/str yuan → int fen. Refuses more than two decimal places."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass Decimal or str")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ValidationError(f"“{value}”不是有效金额") from exc
    if amount != amount.quantize(CENT):
        raise ValidationError(f"“{value}”超过两位小数")
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(value) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(int(value)) / 100).quantize(CENT)


class MoneyField(models.BigIntegerField):
    """Yuan as Decimal in Python, fen as BIGINT in the database."""

    description = "金额（元，按分存储）"

    def from_db_value(self, value, expression, connection):
        return from_cents(value)

    def to_python(self, value):
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            raise ValidationError("金额不能是浮点数")
        try:
            return Decimal(str(value)).quantize(CENT)
        except InvalidOperation as exc:
            raise ValidationError(f"“{value}”不是有效金额") from exc

    def get_prep_value(self, value):
        if hasattr(value, "resolve_expression"):
            return value
        return to_cents(value)

    def formfield(self, **kwargs):
        from django import forms

        return forms.DecimalField(max_digits=18, decimal_places=2, **kwargs)


def user_reference(verbose_name, *, blank: bool = True, db_index: bool = True) -> models.ForeignKey:
    """Who did something (操作人, 创建人 …): a user kept forever, never cascaded away."""
    from django.conf import settings

    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=blank,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=db_index,
    )
