"""The test harness itself (tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_a_serialized_restore_after_a_flush_that_ran_post_migrate_keeps_one_group_per_role():
    """A transactional test's flush runs post_migrate, which creates the role groups anew
    under new ids; the next ``serialized_rollback`` test restores the saved groups over
    them (this ordering failed with a UNIQUE error on ``auth_group.name``)."""
    saved = connection.creation.serialize_db_to_string()
    names = sorted(Group.objects.values_list("name", flat=True))
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

    connection.creation.deserialize_db_from_string(saved)

    assert sorted(Group.objects.values_list("name", flat=True)) == names
