"""docs/api.md's worked example, run as written against a live server: its ``sh`` blocks
go to bash in order, with curl and jq, against ``live_server``. The one ``huifang`` command
(the token) is run in this process first, on the test database, and bash replays its
output (a subprocess could not see the test database)."""

from __future__ import annotations

import hashlib
import io
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCKS = re.compile(r"```sh\n(.*?)```", re.S)
HUIFANG = re.compile(r"\bhuifang ([^)|\n]+)")


def _script() -> str:
    return "\n".join(BLOCKS.findall(DOC.read_text(encoding="utf-8")))


def _replayed(script: str, folder: Path) -> str:
    """Run each ``huifang …`` of ``script`` here; a bash function prints its output."""
    for match in HUIFANG.finditer(script):
        args = match.group(1).strip()
        out = io.StringIO()
        call_command(*shlex.split(args), stdout=out)
        key = hashlib.md5(args.encode()).hexdigest()
        (folder / key).write_text(out.getvalue(), encoding="utf-8")
    return f'huifang() {{ cat "{folder}/$(printf %s "$*" | md5sum | cut -c1-32)"; }}\n'


@pytest.fixture
def company():
    from huifang.org.models import Role
    from huifang.org.services import do_create_user, do_save_branch
    from tests.conftest import PASSWORD

    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    region, _ = do_save_branch(code="0101", name="北京分公司", parent=hq)
    branch, _ = do_save_branch(code="010101", name="北京营业部", parent=region)
    do_create_user(username="ops", password=PASSWORD, branch=hq, role=Role.HQ_ADMIN)
    do_create_user(username="agent1", password=PASSWORD, branch=branch, role=Role.AGENT)


# A live server needs committed rows; the seeded ones (roles, rules, business types) are
# written back first, as a transactional test before this one emptied every table.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worked_example_runs_against_a_live_server(company, live_server, tmp_path):
    script = _script()
    stub = _replayed(script, tmp_path)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", stub + script],
        env={"PATH": "/usr/bin:/bin", "BASE": live_server.url, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    lines = done.stdout.strip().splitlines()
    assert lines[0] == '{"ok":true,"created":1}'
    assert lines[1] == '[{"investor_code":"0000012345","reasons":"新开户客户"}]'
    assert lines[2:5] == ["frozen", "agent1", "成功"]
    assert lines[5] == '{"tasks":1,"completed":1,"completion_rate":"100.0"}'
