"""Branch scoping by persona: the subtree rule, 404 out of scope, refused moves."""

import pytest
from django.core.exceptions import PermissionDenied

from huifang.core.scoping import assert_in_scope
from huifang.org.models import Branch, User
from huifang.org.services import do_update_user


def codes(queryset):
    return sorted(b.code for b in queryset)


def test_hq_admin_sees_the_whole_tree(personas):
    assert codes(Branch.objects.restrict(personas["hq_admin"])) == [
        "01",
        "0101",
        "010101",
        "0102",
        "010201",
    ]


def test_branch_manager_sees_only_their_subtree(personas):
    assert codes(Branch.objects.restrict(personas["manager_a"])) == ["0101", "010101"]


def test_agent_sees_only_their_office(personas):
    assert codes(Branch.objects.restrict(personas["agent_b"])) == ["010201"]


def test_auditor_sees_everything_but_may_change_nothing(personas):
    auditor = personas["auditor"]
    assert Branch.objects.restrict(auditor, "view").count() == 5
    assert Branch.objects.restrict(auditor, "change").count() == 0


def test_user_without_a_branch_sees_nothing(personas, db):
    stray = User.objects.create_user("stray", password="x")
    stray.user_permissions.set(personas["agent_a"].groups.first().permissions.all())
    assert Branch.objects.restrict(User.objects.get(pk=stray.pk)).count() == 0


def test_users_list_is_scoped_like_everything_else(personas):
    visible = {u.username for u in User.objects.restrict(personas["hq_admin"])}
    assert {"agent_a", "agent_b", "manager_a"} <= visible
    assert not User.objects.restrict(personas["agent_a"]).exists()  # agents have no user perm


def test_a_save_that_moves_a_user_out_of_scope_is_refused(personas, branches):
    manager = personas["hq_admin"]
    manager.branch = branches["a"]
    manager.save()
    with pytest.raises(PermissionDenied):
        do_update_user(personas["agent_a"], branch=branches["b1"], actor=manager)
    personas["agent_a"].refresh_from_db()
    assert personas["agent_a"].branch == branches["a1"]


def test_assert_in_scope_refuses_out_of_scope_objects(personas, branches):
    with pytest.raises(PermissionDenied):
        assert_in_scope(
            personas["hq_admin"].__class__.objects.get(username="manager_a"), branches["b"], "view"
        )


def test_the_root_of_the_only_tree_is_not_filtered_by_branch(personas):
    from huifang.customers.models import Customer

    sql = str(Customer.objects.restrict(personas["hq_admin"]).query)
    assert "org_branch" not in sql and "WHERE" not in sql


def test_a_subtree_is_tested_on_the_rows_own_branch_column(personas):
    from huifang.customers.models import Customer

    sql = str(Customer.objects.restrict(personas["manager_a"]).query)
    assert "org_branch" not in sql and '"customers_customer"."branch_id"' in sql


def test_a_second_root_keeps_the_first_roots_users_in_their_tree(personas, branches):
    other = Branch.objects.create(code="99", name="另一公司", path="/99/", depth=0)
    hq = User.objects.select_related("branch").get(username="hq_admin")
    assert other not in Branch.objects.restrict(hq)
    assert Branch.objects.restrict(hq).count() == 5


def test_users_without_a_branch_stay_out_of_the_roots_scope(personas, db):
    User.objects.create_user("nobranch", password="x")
    hq = User.objects.select_related("branch").get(username="hq_admin")
    assert not User.objects.restrict(hq).filter(username="nobranch").exists()
