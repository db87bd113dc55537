"""The README's promises: the demo logins as ``huifang demo`` prints them, a company of
one's own in three lines, and ``make run PORT=…`` / ``DEMO=0``."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from huifang.demo import company
from huifang.org.models import Role, User
from tests.demo.test_demo_users import _branches_only

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(title)
    following = README.find("\n#", start + len(title))
    return README[start : following if following != -1 else None]


def test_the_readme_names_each_demo_login_with_the_role_the_demo_prints(
    db, settings, tmp_path, monkeypatch
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(company, "load_company", _branches_only)
    out = io.StringIO()
    call_command("demo", "--customers", "30", "--year", "2025", stdout=out)
    printed = dict(re.findall(r"^(\w+)\s+(\S+)\s", out.getvalue(), re.MULTILINE))

    paragraph = README[README.index("Demo logins") : README.index("### Your own company")]
    named = dict(re.findall(r"`(\w+)` \(([^\s,)]+)", paragraph))

    assert len(named) >= 5
    for username, role in named.items():
        assert printed[username] == role, username


def test_the_readme_starts_a_company_without_the_demo_in_three_lines(
    client, db, monkeypatch, settings
):
    settings.DEMO = False  # as for `make run DEMO=0`
    block = section("### Your own company, without the demo")
    lines = re.search(r"```sh\n(.*?)```", block, re.DOTALL).group(1).strip().splitlines()
    assert len(lines) == 3
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Own-company-2026")
    for line in lines:
        for command in line.split("#")[0].split("&&"):
            words = shlex.split(command)
            if words[0] == ".venv/bin/huifang":
                call_command(*words[1:], stdout=io.StringIO())
            else:
                assert words[:2] == ["make", "install"] or words[:2] == ["make", "run"]
    assert "DEMO=0" in lines[-1]

    admin = User.objects.get(username="admin")
    assert admin.role == Role.HQ_ADMIN and admin.branch.code == "01"
    assert admin.check_password("Own-company-2026")
    client.force_login(admin)
    # the README says so: the first login sets a password of one's own
    assert "first login" in section("### Your own company")
    assert client.get("/").url == "/password/"
    mine = "Only-mine-2026"
    client.post(
        "/password/",
        {"old_password": "Own-company-2026", "new_password1": mine, "new_password2": mine},
    )
    assert "最近的筛选" in client.get("/").content.decode()


def dry_run(*arguments: str) -> str:
    """What ``make run`` would do (``-n``: nothing is executed)."""
    unset = ("MAKEFLAGS", "MAKELEVEL", "PORT", "HUIFANG_DEMO")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        ["make", "-n", "run", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(("arguments", "port"), [((), "8000"), (("PORT=8080",), "8080")])
def test_make_run_serves_on_the_port_given(arguments, port):
    commands = dry_run(*arguments)

    assert f"runserver 127.0.0.1:{port} " in commands
    assert "huifang demo" in commands


def test_make_run_demo_0_leaves_the_demo_out():
    assert "huifang demo" not in dry_run("DEMO=0")


def test_make_run_is_a_demo_installation_unless_demo_0():
    # a target run depends on shows the HUIFANG_DEMO it inherits (-n: echo is printed, not run)
    probe = ("--eval=run: show-demo", "--eval=show-demo: ; @echo HUIFANG_DEMO=$(HUIFANG_DEMO)")
    assert "echo HUIFANG_DEMO=1" in dry_run(*probe).splitlines()
    assert "echo HUIFANG_DEMO=0" in dry_run("DEMO=0", *probe).splitlines()
