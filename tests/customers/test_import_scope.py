"""A branch-scoped importer may only import rows of branches in scope."""

import pytest
from django.core.exceptions import PermissionDenied

from huifang.customers.importers import import_rows
from huifang.customers.models import Customer, DailyBalance
from huifang.org.models import Role
from huifang.org.services import do_create_user
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS, DAILY_HEADER, DAILY_ROWS


@pytest.fixture
def importer_a(personas, branches):
    """A head-office-role user placed in branch A (0101) with the import permission."""
    return do_create_user(
        username="importer_a", password=None, branch=branches["a"], role=Role.HQ_ADMIN
    )


def _customers():
    return [dict(zip(CUSTOMER_HEADER, r, strict=True)) for r in CUSTOMER_ROWS]


def test_rows_of_another_branch_are_invalid_rows(importer_a):
    result = import_rows("customers", _customers(), actor=importer_a)
    assert not result.ok
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, "部门代码", "010201", "该部门不在您的权限范围内")
    ]
    assert not Customer.objects.exists()


def test_skip_invalid_imports_only_the_rows_in_scope(importer_a):
    result = import_rows("customers", _customers(), actor=importer_a, skip_invalid=True)
    assert (result.created, result.rejected) == (2, 1)
    assert not Customer.objects.filter(branch__code="010201").exists()


def test_daily_rows_of_a_customer_out_of_scope_are_refused(imp_customers, importer_a):
    rows = [dict(zip(DAILY_HEADER, r, strict=True)) for r in DAILY_ROWS]
    result = import_rows("daily", rows, actor=importer_a)
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "投资者代码", "该客户不在您的权限范围内")
    ]
    assert not DailyBalance.objects.exists()


def test_a_branch_out_of_scope_cannot_be_created_or_moved(importer_a):
    rows = [
        {"部门代码": "010202", "部门名称": "上海二部", "上级部门代码": "0102"},
        {"部门代码": "010102", "部门名称": "北京二部", "上级部门代码": "0101"},
    ]
    result = import_rows("branches", rows, actor=importer_a)
    assert [(e.row, e.reason) for e in result.errors] == [(1, "该部门不在您的权限范围内")]


def test_a_user_without_the_permission_is_refused(personas):
    with pytest.raises(PermissionDenied):
        import_rows("customers", _customers(), actor=personas["manager_a"])
