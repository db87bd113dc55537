"""Staff mobiles encrypted at rest (issue 19; ``core.fieldcrypt``): ciphertext in the
database, clear in Python, masked on the user pages, their export and the API, shown in
full only to someone holding the reveal permission, and re-encrypted by ``keys rotate``."""

import base64
import importlib
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.test import APIClient

from huifang.core import fieldcrypt
from huifang.core.models import AuditEvent
from huifang.org import services
from huifang.org.models import Role, User
from huifang.org.tables import UserTable

MOBILE = "13912345678"
MASKED = "139****5678"
migration = importlib.import_module("huifang.org.migrations.0005_user_mobile_encrypted")


def stored_mobile(user: User) -> str:
    """The column as the database holds it (raw SQL, no field conversion)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM org_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def staff(personas, branches):
    return services.do_create_user(
        username="agent_m",
        password=None,
        branch=branches["a1"],
        role=Role.AGENT,
        full_name="王五",
        mobile=MOBILE,
    )


@pytest.fixture
def user_admin_without_reveal(branches):
    """An auditor who may also edit users, but not read personal data unmasked."""
    user = services.do_create_user(
        username="clerk", password=None, branch=branches["hq"], role=Role.AUDITOR
    )
    user.user_permissions.set(Permission.objects.filter(codename="change_user"))
    return User.objects.get(pk=user.pk)  # no cached permissions


def test_a_saved_mobile_is_ciphertext_in_the_database(staff):
    raw = stored_mobile(staff)
    assert raw.startswith(fieldcrypt.PREFIX)
    assert MOBILE not in raw


def test_an_updated_mobile_is_ciphertext_and_reads_clear(staff):
    services.do_update_user(staff, mobile="13700002222")
    assert stored_mobile(staff).startswith(fieldcrypt.PREFIX)
    assert User.objects.get(pk=staff.pk).mobile == "13700002222"


def test_rotate_re_encrypts_staff_mobiles_under_the_new_key(staff, settings):
    new_key = base64.urlsafe_b64decode(base64.urlsafe_b64encode(bytes(range(32))))
    settings.FIELD_KEYS = [new_key, *settings.FIELD_KEYS]
    counts = fieldcrypt.rotate()
    assert counts["org_user"] == 1
    kid = fieldcrypt.key_id(new_key)
    assert stored_mobile(staff).startswith(f"{fieldcrypt.PREFIX}{kid}$")
    settings.FIELD_KEYS = [new_key]  # the old key can go
    assert User.objects.get(pk=staff.pk).mobile == MOBILE


def test_the_migration_encrypts_mobiles_stored_in_clear(staff):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_user SET mobile = %s WHERE id = %s", [MOBILE, staff.pk])
    migration.Migration.operations[-1].code(None, None)
    assert stored_mobile(staff).startswith(fieldcrypt.PREFIX)
    assert User.objects.get(pk=staff.pk).mobile == MOBILE


def test_the_user_list_masks_the_mobile(client_for, staff):
    body = client_for("hq_admin").get("/org/users/").content.decode()
    assert MASKED in body
    assert MOBILE not in body


def test_the_user_export_masks_the_mobile(client_for, staff):
    response = client_for("hq_admin").get("/org/users/", {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    text = str(list(sheet.iter_rows(values_only=True)))
    assert MASKED in text
    assert MOBILE not in text


def test_the_user_api_masks_the_mobile(api_for, staff):
    row = api_for("hq_admin").get(f"/api/v1/users/{staff.pk}/").json()
    assert row["mobile"] == MASKED


def test_the_edit_page_shows_the_full_mobile_to_a_user_with_the_reveal_permission(
    client_for, staff
):
    body = client_for("hq_admin").get(f"/org/users/{staff.pk}/").content.decode()
    assert f'value="{MOBILE}"' in body


def test_showing_the_full_mobile_on_the_edit_page_leaves_an_audit_row(client_for, staff):
    from huifang.core.models import AuditEvent

    client_for("hq_admin").get(f"/org/users/{staff.pk}/")
    event = AuditEvent.objects.filter(action="reveal_mobile", object_id=str(staff.pk)).get()
    assert event.user.username == "hq_admin"
    assert event.message == "查看完整手机号"


def test_the_masked_edit_page_leaves_no_reveal_row(client, staff, user_admin_without_reveal):
    from huifang.core.models import AuditEvent

    client.force_login(user_admin_without_reveal)
    client.get(f"/org/users/{staff.pk}/")
    assert not AuditEvent.objects.filter(action="reveal_mobile").exists()


def test_the_edit_page_masks_the_mobile_without_the_reveal_permission(
    client, staff, user_admin_without_reveal
):
    client.force_login(user_admin_without_reveal)
    body = client.get(f"/org/users/{staff.pk}/").content.decode()
    assert MASKED in body
    assert MOBILE not in body


def test_saving_without_the_reveal_permission_keeps_the_mobile(
    client, staff, user_admin_without_reveal
):
    client.force_login(user_admin_without_reveal)
    response = client.post(
        f"/org/users/{staff.pk}/",
        {"full_name": "王五五", "branch": staff.branch_id, "role": Role.AGENT, "is_active": "on"},
    )
    assert response.status_code == 302
    saved = User.objects.get(pk=staff.pk)
    assert (saved.full_name, saved.mobile) == ("王五五", MOBILE)


def test_a_changed_mobile_is_audited_masked_and_never_stored_clear(staff):
    services.do_update_user(staff, mobile="13700002222")
    event = AuditEvent.objects.filter(action="update", object_type="org.user").latest("id")
    assert (event.before, event.after) == ({"mobile": MASKED}, {"mobile": "137****2222"})


def test_an_api_change_without_the_reveal_permission_keeps_the_mobile(
    staff, user_admin_without_reveal
):
    api = APIClient()
    api.force_authenticate(user_admin_without_reveal)
    response = api.patch(f"/api/v1/users/{staff.pk}/", {"full_name": "王五五"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["mobile"], User.objects.get(pk=staff.pk).mobile) == (MASKED, MOBILE)


def test_an_api_mobile_change_without_the_reveal_permission_is_refused(
    staff, user_admin_without_reveal
):
    api = APIClient()
    api.force_authenticate(user_admin_without_reveal)
    response = api.patch(f"/api/v1/users/{staff.pk}/", {"mobile": "13700002222"}, format="json")
    assert response.status_code == 400
    assert "不能修改手机号" in response.content.decode()
    assert User.objects.get(pk=staff.pk).mobile == MOBILE


def test_the_user_list_cannot_be_ordered_by_the_encrypted_mobile():
    assert not UserTable([]).columns["mobile"].orderable
