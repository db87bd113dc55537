"""scripts/audit.py (``make audit``): what pip-audit and npm audit report, less the
vulnerabilities accepted in audit-ignore.txt, decides the exit code; a database that does
not answer is never taken for a clean audit."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("audit_script", ROOT / "scripts" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = _load()

PIP_REPORT = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {
            "name": "requests",
            "version": "2.31.0",
            "vulns": [
                {
                    "id": "PYSEC-2024-1",
                    "aliases": ["CVE-2024-35195", "GHSA-9wx4-h78v-vm56"],
                    "fix_versions": ["2.32.0"],
                    "description": "Session verify=False persists.\nMore.",
                }
            ],
        },
    ],
    "fixes": [],
}
NPM_REPORT = {
    "vulnerabilities": {
        "echarts": {
            "severity": "high",
            "via": [
                {
                    "source": 1100001,
                    "name": "echarts",
                    "title": "Prototype pollution",
                    "url": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc",
                    "severity": "high",
                    "range": "<6.2.0",
                },
                {
                    "source": 1100002,
                    "name": "echarts",
                    "title": "A moderate one",
                    "url": "https://github.com/advisories/GHSA-dddd-eeee-ffff",
                    "severity": "moderate",
                    "range": "<6.1.0",
                },
            ],
            "fixAvailable": {"name": "echarts", "version": "6.2.0"},
        },
        "zrender": {"severity": "high", "via": ["echarts"], "fixAvailable": True},
    },
    "metadata": {"dependencies": {"prod": 4}},
}
NPM_CLEAN = {"vulnerabilities": {}, "metadata": {"dependencies": {"prod": 4}}}


def test_a_pinned_vulnerability_is_found_with_its_aliases_and_fix():
    result = audit.parse_pip_audit(json.dumps(PIP_REPORT))
    assert result.checked == 2
    (finding,) = result.findings
    assert finding.package == "requests" and finding.fix == "2.32.0"
    assert finding.ids == ("PYSEC-2024-1", "CVE-2024-35195", "GHSA-9wx4-h78v-vm56")


def test_a_package_the_database_could_not_be_asked_about_makes_the_audit_undone():
    report = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}
    with pytest.raises(audit.Unreachable, match="1 of 1 packages"):
        audit.parse_pip_audit(json.dumps(report))


def test_npm_counts_high_and_critical_advisories_once_each():
    result = audit.parse_npm_audit(json.dumps(NPM_REPORT))
    (finding,) = result.findings
    assert finding.ids == ("GHSA-aaaa-bbbb-cccc", "1100001")
    assert finding.fix == "6.2.0" and finding.title.startswith("high")


def test_an_npm_endpoint_error_makes_the_audit_undone():
    answer = {"message": "405 Method Not Allowed - POST https://registry.example/-/npm/v1/…"}
    with pytest.raises(audit.Unreachable, match="405"):
        audit.parse_npm_audit(json.dumps(answer))


def test_the_ignore_file_reads_id_date_and_reason(tmp_path):
    path = tmp_path / "audit-ignore.txt"
    path.write_text(
        "# comment\n\nGHSA-9wx4-h78v-vm56  2026-12-04  verify=False is never used\n",
        encoding="utf-8",
    )
    (accepted,) = audit.read_ignore_file(path).values()
    assert accepted.id == "GHSA-9wx4-h78v-vm56"
    assert accepted.date == datetime.date(2026, 12, 4)
    assert accepted.reason == "verify=False is never used"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("GHSA-9wx4-h78v-vm56 2026-12-04", "expected"),
        ("GHSA-9wx4-h78v-vm56 4.12.2026 reason", "not a date"),
        ("X 2026-12-04 a\nX 2026-12-05 b", "twice"),
    ],
)
def test_a_malformed_ignore_line_stops_the_audit(tmp_path, line, message):
    path = tmp_path / "audit-ignore.txt"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(audit.AuditError, match=message):
        audit.read_ignore_file(path)


def test_the_shipped_ignore_file_reads():
    audit.read_ignore_file(ROOT / "audit-ignore.txt")


def _main(monkeypatch, tmp_path, ignore: str, pip=PIP_REPORT, npm=NPM_CLEAN, *options: str):
    def answer(parse, report):
        if isinstance(report, Exception):
            raise report
        return parse(json.dumps(report))

    monkeypatch.setattr(audit, "pip_audit", lambda tool, locks: answer(audit.parse_pip_audit, pip))
    monkeypatch.setattr(audit, "npm_audit", lambda npm_: answer(audit.parse_npm_audit, npm))
    (tmp_path / "ignore.txt").write_text(ignore, encoding="utf-8")
    return audit.main(["--ignore-file", str(tmp_path / "ignore.txt"), *options])


def test_an_unaccepted_vulnerability_fails_the_audit(monkeypatch, tmp_path, capsys):
    assert _main(monkeypatch, tmp_path, "") == 1
    out = capsys.readouterr().out
    assert "VULNERABLE requests 2.31.0: PYSEC-2024-1" in out and "fixed in 2.32.0" in out
    assert "audit-ignore.txt" in out


def test_a_vulnerability_accepted_by_an_alias_passes_and_is_shown(monkeypatch, tmp_path, capsys):
    ignore = "CVE-2024-35195 2026-12-04 only verify=True sessions here\n"
    assert _main(monkeypatch, tmp_path, ignore) == 0
    out = capsys.readouterr().out
    assert "accepted 2026-12-04: requests PYSEC-2024-1 — only verify=True sessions here" in out


def test_npm_high_vulnerabilities_fail_the_audit(monkeypatch, tmp_path, capsys):
    ignore = "PYSEC-2024-1 2026-12-04 reason\n"
    assert _main(monkeypatch, tmp_path, ignore, PIP_REPORT, NPM_REPORT) == 1
    assert "VULNERABLE echarts <6.2.0: GHSA-aaaa-bbbb-cccc" in capsys.readouterr().out


@pytest.mark.parametrize(("mode", "code"), [("fail", 2), ("warn", 0)])
def test_a_database_that_does_not_answer_fails_unless_told_to_warn(
    monkeypatch, tmp_path, capsys, mode, code
):
    down = audit.Unreachable("the npm audit endpoint did not answer: ETIMEDOUT")
    clean = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}
    assert _main(monkeypatch, tmp_path, "", clean, down, "--unreachable", mode) == code
    assert "AUDIT NOT DONE — npm audit: the npm audit endpoint" in capsys.readouterr().err


def test_a_vulnerability_fails_even_when_the_other_database_is_down(monkeypatch, tmp_path):
    down = audit.Unreachable("ETIMEDOUT")
    assert _main(monkeypatch, tmp_path, "", PIP_REPORT, down, "--unreachable", "warn") == 1


def test_a_broken_tool_fails_even_in_warn_mode(monkeypatch, tmp_path):
    broken = audit.AuditError("pip-audit is not installed")
    assert _main(monkeypatch, tmp_path, "", broken, NPM_CLEAN, "--unreachable", "warn") == 2
