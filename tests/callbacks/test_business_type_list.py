"""回访业务类型's list: a built-in type nobody has changed reads 系统 as 操作员 (as rules)."""

from __future__ import annotations

import pytest

from huifang.callbacks.models import BusinessType

pytestmark = pytest.mark.django_db


def test_a_built_in_type_was_operated_by_the_system(client_for):
    built_in = BusinessType.objects.filter(updated_by__isnull=True).order_by("pk").first()
    assert built_in is not None  # seeded by the migrations

    response = client_for("hq_admin").get("/callbacks/business-types/")

    table = response.context["table"]
    row = next(r for r in table.rows if r.record.pk == built_in.pk)
    assert row.get_cell("updated_by") == "系统"
