"""Personal data encrypted at rest (issue 19): ID numbers, mobiles, phones, addresses and
e-mails are
AES-GCM ciphertext in the database, clear in Python, found exactly through blind indexes,
and the importers still see an unchanged row as unchanged (``core.fieldcrypt``)."""

import base64
import importlib

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from huifang.core import fieldcrypt
from huifang.core.models import AuditEvent
from huifang.customers.filtersets import CustomerFilterSet
from huifang.customers.importers import import_file
from huifang.customers.models import Customer
from tests.customers.conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

PERSONAL = ("id_number", "mobile", "phone", "address", "email")
HEADER = [*CUSTOMER_HEADER, "联系电话", "联系地址", "电子邮箱"]
EMAIL = "zhangsan@example.com"
ROWS = [
    [*CUSTOMER_ROWS[0], "010-66668888", "北京市西城区金融大街1号", EMAIL],
    *[[*row, "", "", ""] for row in CUSTOMER_ROWS[1:]],
]
email_migration = importlib.import_module(
    "huifang.customers.migrations.0009_customer_email_encrypted"
)


def stored(investor_code: str) -> dict:
    """The columns as the database holds them (raw SQL, no field conversion)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, mobile, phone, address, email, mobile_bidx, email_bidx "
            "FROM customers_customer WHERE investor_code = %s",
            [investor_code],
        )
        row = cursor.fetchone()
    return dict(zip([*PERSONAL, "mobile_bidx", "email_bidx"], row, strict=True))


def new_key() -> bytes:
    return base64.urlsafe_b64decode(base64.urlsafe_b64encode(bytes(range(32))))


@pytest.fixture
def imported(branches, imp_write_csv):
    result = import_file("customers", imp_write_csv(HEADER, ROWS))
    assert result.created == 3
    return imp_write_csv


def test_imported_personal_data_is_ciphertext_in_the_database(imported):
    raw = stored("00000101")
    for name in PERSONAL:
        assert raw[name].startswith(fieldcrypt.PREFIX), name
    text = " ".join(raw.values())
    assert "13812345678" not in text and "11010519491231002X" not in text
    assert "金融大街" not in text and "66668888" not in text
    assert "zhangsan" not in text and "example.com" not in text


def test_the_orm_reads_the_clear_values(imported):
    customer = Customer.objects.get(investor_code="00000101")
    assert (customer.id_number, customer.mobile) == ("11010519491231002X", "13812345678")
    assert (customer.phone, customer.address) == ("010-66668888", "北京市西城区金融大街1号")
    assert customer.email == EMAIL
    assert list(Customer.objects.filter(investor_code="00000101").values_list("mobile")) == [
        ("13812345678",)
    ]


def test_the_same_value_encrypts_differently_each_time(imported):
    assert fieldcrypt.encrypt("13812345678") != fieldcrypt.encrypt("13812345678")


def test_reimporting_the_same_file_sees_no_change(imported):
    again = import_file("customers", imported(HEADER, ROWS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_mobile_is_an_update_audited_masked(imported):
    rows = [list(r) for r in ROWS]
    rows[0][HEADER.index("手机号")] = "13900001111"
    result = import_file("customers", imported(HEADER, rows))
    assert (result.updated, result.unchanged) == (1, 2)
    customer = Customer.objects.get(investor_code="00000101")
    assert customer.mobile == "13900001111"
    event = AuditEvent.objects.get(action="update", object_id=str(customer.pk))
    assert (event.before, event.after) == ({"mobile": "138****5678"}, {"mobile": "139****1111"})


def test_a_changed_email_is_an_update_audited_masked(imported):
    rows = [list(r) for r in ROWS]
    rows[0][HEADER.index("电子邮箱")] = "lisi@example.com"
    result = import_file("customers", imported(HEADER, rows))
    assert (result.updated, result.unchanged) == (1, 2)
    customer = Customer.objects.get(investor_code="00000101")
    assert customer.email == "lisi@example.com"
    assert stored("00000101")["email_bidx"] == fieldcrypt.blind_index("lisi@example.com")
    event = AuditEvent.objects.get(action="update", object_id=str(customer.pk))
    assert (event.before, event.after) == (
        {"email": "zh****an@example.com"},
        {"email": "l****i@example.com"},
    )


def test_an_orm_save_encrypts_the_email_and_keeps_its_blind_index(imported):
    customer = Customer.objects.get(investor_code="00000102")
    customer.email = "wangwu@example.com"
    customer.save()
    raw = stored("00000102")
    assert raw["email"].startswith(fieldcrypt.PREFIX) and "wangwu" not in raw["email"]
    assert raw["email_bidx"] == fieldcrypt.blind_index("wangwu@example.com")


def test_an_orm_save_encrypts_and_keeps_the_blind_index(imported):
    customer = Customer.objects.get(investor_code="00000102")
    customer.mobile = "13700002222"
    customer.save()
    assert stored("00000102")["mobile"].startswith(fieldcrypt.PREFIX)
    assert stored("00000102")["mobile_bidx"] == fieldcrypt.blind_index("13700002222")


def test_a_whole_mobile_finds_its_customer_through_the_blind_index(imported, personas):
    found = CustomerFilterSet({"q": "13812345678"}, queryset=Customer.objects.all()).qs
    assert list(found.values_list("investor_code", flat=True)) == ["00000101"]


@pytest.mark.parametrize("typed", [EMAIL, "ZhangSan@Example.com"])
def test_a_whole_email_finds_its_customer_through_the_blind_index(imported, typed):
    found = CustomerFilterSet({"q": typed}, queryset=Customer.objects.all()).qs
    assert list(found.values_list("investor_code", flat=True)) == ["00000101"]


def test_a_partial_email_finds_nothing_by_content(imported):
    found = CustomerFilterSet({"q": "zhangsan@example"}, queryset=Customer.objects.all()).qs
    assert not found.exists()


def test_an_id_number_finds_its_customer_in_either_case(imported):
    found = CustomerFilterSet({"q": "11010519491231002x"}, queryset=Customer.objects.all()).qs
    assert list(found.values_list("investor_code", flat=True)) == ["00000101"]


def test_a_partial_mobile_finds_nothing_by_content(imported):
    found = CustomerFilterSet({"q": "1381234567"}, queryset=Customer.objects.all()).qs
    assert not found.exists()


def test_filtering_an_encrypted_column_by_content_is_refused(imported):
    with pytest.raises(FieldError):
        Customer.objects.filter(mobile="13812345678").exists()


def test_filtering_an_encrypted_column_for_blank_still_works(imported):
    assert Customer.objects.filter(mobile="").count() == 2


def test_rotate_moves_every_value_to_the_new_key(imported, settings):
    old = list(settings.FIELD_KEYS)
    settings.FIELD_KEYS = [new_key(), *old]
    counts = fieldcrypt.rotate()
    assert counts["customers_customer"] == 3
    current = fieldcrypt.key_id(new_key())
    assert stored("00000101")["mobile"].startswith(f"{fieldcrypt.PREFIX}{current}$")
    assert stored("00000101")["email"].startswith(f"{fieldcrypt.PREFIX}{current}$")
    settings.FIELD_KEYS = [new_key()]  # the old key can go
    customer = Customer.objects.get(investor_code="00000101")
    assert (customer.mobile, customer.email) == ("13812345678", EMAIL)


def test_rotate_is_audited(imported, settings):
    settings.FIELD_KEYS = [new_key(), *settings.FIELD_KEYS]
    fieldcrypt.rotate()
    event = AuditEvent.objects.get(action="keys_rotate")
    assert event.after["rows"]["customers_customer"] == 3


def test_rotate_without_the_old_key_changes_nothing(imported, settings):
    before = stored("00000101")
    settings.FIELD_KEYS = [new_key()]
    with pytest.raises(fieldcrypt.Undecryptable):
        fieldcrypt.rotate()
    assert stored("00000101") == before
    assert not AuditEvent.objects.filter(action="keys_rotate").exists()


def test_a_value_no_key_opens_reads_as_unreadable(imported):
    with override_settings(FIELD_KEYS=[new_key()]):
        assert Customer.objects.get(investor_code="00000101").mobile == fieldcrypt.UNREADABLE


def test_clear_text_from_before_encryption_is_encrypted_by_reseal(imported):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET mobile = '13611112222', mobile_bidx = '' "
            "WHERE investor_code = '00000102'"
        )
    columns = fieldcrypt.encrypted_columns()["customers_customer"]
    assert fieldcrypt.reseal("customers_customer", columns) == 1
    assert stored("00000102")["mobile"].startswith(fieldcrypt.PREFIX)
    found = Customer.objects.get(mobile_bidx=fieldcrypt.blind_index("13611112222"))
    assert found.investor_code == "00000102"


def test_the_email_migration_encrypts_and_indexes_emails_stored_in_clear(imported):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET email = %s, email_bidx = '' "
            "WHERE investor_code = '00000102'",
            ["lisi@example.com"],
        )
    email_migration.Migration.operations[-1].code(None, None)
    raw = stored("00000102")
    assert raw["email"].startswith(fieldcrypt.PREFIX) and "lisi" not in raw["email"]
    assert raw["email_bidx"] == fieldcrypt.blind_index("lisi@example.com")
    assert Customer.objects.get(investor_code="00000102").email == "lisi@example.com"


def test_keys_status_counts_values_per_key(imported, capsys):
    call_command("keys", "status")
    out = capsys.readouterr().out
    kid = fieldcrypt.keyring().current
    assert f"customers_customer.mobile\t{kid}\t1" in out
    assert f"customers_customer.address\t{kid}\t1" in out
    assert f"customers_customer.email\t{kid}\t1" in out


def test_keys_generate_prints_a_usable_key_on_the_last_line(capsys):
    call_command("keys", "generate")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(base64.urlsafe_b64decode(key)) == 32
