"""``huifang demo``'s logins: one per role and branch, idempotent, password stored and printed.

The data import itself goes through ``customers.importers`` and is covered end to end by
the command's own test; here the loader is replaced by creating the branch tree directly,
so these tests show the user part alone.
"""

from __future__ import annotations

import io
import stat

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command

from huifang.core.models import AuditEvent
from huifang.demo import company, synthetic
from huifang.org.models import Role, User
from huifang.org.services import do_save_branch


def _branches_only(generated, say):
    """Stand-in for the importer: the branch tree through the org service."""
    saved = {}
    for code, name, parent in synthetic.branch_tree(generated.spec):
        saved[code], _ = do_save_branch(code=code, name=name, parent=saved.get(parent))
    return {}


@pytest.fixture
def demo(db, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(company, "load_company", _branches_only)

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("demo", "--customers", "30", "--year", "2025", *args, stdout=out)
        return out.getvalue()

    return run


def test_user_plan_has_every_role_per_branch():
    plan = company.user_plan(company.demo_spec(3000, 2025))
    assert plan[:2] == [("hq_admin", Role.HQ_ADMIN, "01"), ("auditor", Role.AUDITOR, "01")]
    assert ("0101_manager", Role.BRANCH_MANAGER, "0101") in plan
    assert ("010101_manager", Role.BRANCH_MANAGER, "010101") in plan
    assert ("010202_agent2", Role.AGENT, "010202") in plan
    assert len(plan) == 2 + 2 + 4 * 3


def test_demo_creates_users_with_roles_and_prints_the_logins(demo, settings):
    output = demo()
    users = {u.username: u for u in User.objects.all()}
    assert len(users) == 16
    agent = users["010101_agent1"]
    assert agent.role == Role.AGENT and agent.branch.code == "010101" and agent.full_name
    assert [g.name for g in agent.groups.all()] == [Role.AGENT.label]
    assert users["hq_admin"].branch.code == "01" and users["hq_admin"].role == Role.HQ_ADMIN
    password = (settings.DATA_DIR / "demo_password").read_text().strip()
    assert stat.S_IMODE((settings.DATA_DIR / "demo_password").stat().st_mode) == 0o600
    assert all(check_password(password, u.password) for u in users.values())
    line = next(x for x in output.splitlines() if x.startswith("010101_agent1"))
    assert "回访专员" in line and "010101" in line and password in line
    assert "用户名" in output and "密码" in output


def test_running_twice_keeps_users_and_password(demo):
    first = demo()
    ids = sorted(User.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.count()
    second = demo()
    assert sorted(User.objects.values_list("pk", flat=True)) == ids
    assert first.splitlines()[-16:] == second.splitlines()[-16:]
    assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


def test_password_option_sets_every_demo_password(demo, settings):
    demo()
    output = demo("--password", "Demo-pass-2025")
    assert all(check_password("Demo-pass-2025", u.password) for u in User.objects.all())
    assert (settings.DATA_DIR / "demo_password").read_text().strip() == "Demo-pass-2025"
    assert output.count("Demo-pass-2025") == 16
    changes = AuditEvent.objects.filter(action="password", actor_label="command:demo")
    assert changes.count() == 16


def test_demo_user_changes_are_attributed_to_the_command(demo):
    demo()
    creations = AuditEvent.objects.filter(action="create", object_type="org.user")
    assert creations.count() == 16
    assert set(creations.values_list("actor_label", flat=True)) == {"command:demo"}


def test_default_year_is_the_last_complete_year():
    import datetime

    assert company.default_year(datetime.date(2026, 11, 25)) == 2025
    assert company.default_year(datetime.date(2026, 1, 1)) == 2025


def test_a_lost_password_file_gives_every_user_the_new_password(demo, settings):
    demo()
    (settings.DATA_DIR / "demo_password").unlink()
    output = demo()
    password = (settings.DATA_DIR / "demo_password").read_text().strip()
    assert all(check_password(password, u.password) for u in User.objects.all())
    assert output.count(password) == 16


def test_outside_a_demo_installation_every_demo_login_changes_its_password_first(demo, settings):
    settings.DEMO = False
    output = demo()
    assert User.objects.count() == 16
    assert not User.objects.filter(must_change_password=False).exists()
    assert "HUIFANG_DEMO 未开启" in output


def test_a_demo_installation_keeps_the_printed_passwords(demo, settings):
    settings.DEMO = True
    output = demo()
    demo("--password", "Demo-pass-2025")  # a reset too
    assert not User.objects.filter(must_change_password=True).exists()
    assert "HUIFANG_DEMO" not in output
