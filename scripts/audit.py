#!/usr/bin/env python3
"""``make audit``: known vulnerabilities in what Huifang installs.

- Python: ``pip-audit`` over the hashed locks (``requirements/*.txt``, versions as pinned,
  nothing resolved or installed), every vulnerability whatever its severity;
- npm: ``npm audit --omit=dev`` over ``package-lock.json``, high and critical ones;

less those accepted in ``audit-ignore.txt`` (one a line: ID, the day it was accepted, the
reason; docs/operators.md). Accepted ones found are printed each run, so none is forgotten.

Exit codes: 0 nothing found that is not accepted; 1 a vulnerability to fix or accept; 2 the
audit could not be done (a vulnerability database did not answer within its timeout, or
answered for only some packages; a malformed ignore file). With ``--unreachable warn`` a
database that does not answer is reported loudly and the exit code is 0 (``make test``:
the vulnerability databases are not reachable from every machine that runs the tests).

    python scripts/audit.py --pip-audit .venv-tools/bin/pip-audit \\
        --lock requirements/bench.txt --lock requirements/tools.txt
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPM_LEVELS = ("high", "critical")
# Each request to a vulnerability database, and each tool's whole run, in seconds (npm's
# own timeout does not cover a proxy that accepts the connection and never answers).
REQUEST_TIMEOUT = 20
PIP_AUDIT_TIMEOUT = 300
NPM_AUDIT_TIMEOUT = 120
# What a tool that could not reach its database says (Python's requests, npm's fetch).
NETWORK_ERRORS = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|timed out|NameResolution|Max retries|"
    r"ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH"
)


class AuditError(Exception):
    """The audit could not be done (exit code 2)."""


class Unreachable(AuditError):
    """A vulnerability database did not answer (exit code 2, or 0 with ``--unreachable warn``)."""


@dataclass(frozen=True)
class Accepted:
    id: str
    date: datetime.date
    reason: str


@dataclass
class Finding:
    tool: str  # "pip-audit" or "npm audit"
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's id first, then its aliases
    fix: str = ""
    title: str = ""

    def accepted_by(self, accepted: dict[str, Accepted]) -> Accepted | None:
        return next((accepted[i] for i in self.ids if i in accepted), None)


@dataclass
class Result:
    tool: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)


def read_ignore_file(path: Path) -> dict[str, Accepted]:
    """``ID DATE REASON`` lines (``#`` starts a comment); any other line is an error."""
    accepted: dict[str, Accepted] = {}
    if not path.exists():
        return accepted
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        where = f"{path.name}:{number}"
        if len(parts) < 3:
            raise AuditError(f"{where}: expected “ID YYYY-MM-DD reason”, got {raw!r}")
        vuln_id, day, reason = parts
        try:
            date = datetime.date.fromisoformat(day)
        except ValueError:
            raise AuditError(f"{where}: {day!r} is not a date (YYYY-MM-DD)") from None
        if vuln_id in accepted:
            raise AuditError(f"{where}: {vuln_id} is listed twice")
        accepted[vuln_id] = Accepted(vuln_id, date, reason)
    return accepted


def parse_pip_audit(output: str) -> Result:
    """pip-audit's ``--format json``. A package it could not look up (the database did not
    answer for it) makes the whole audit fail: a partial audit must not look clean."""
    try:
        report = json.loads(output)
    except json.JSONDecodeError:
        raise AuditError("pip-audit printed no report") from None
    result = Result("pip-audit")
    skipped = []
    for dependency in report.get("dependencies", []):
        name, version = dependency.get("name", "?"), dependency.get("version", "?")
        if dependency.get("skip_reason"):
            skipped.append(dependency["skip_reason"])
            continue
        result.checked += 1
        for vuln in dependency.get("vulns", []):
            result.findings.append(
                Finding(
                    "pip-audit",
                    name,
                    version,
                    (vuln["id"], *vuln.get("aliases", [])),
                    fix=", ".join(vuln.get("fix_versions", [])),
                    title=(vuln.get("description") or "").split("\n", 1)[0][:120],
                )
            )
    if skipped:
        raise Unreachable(
            f"the Python vulnerability database could not be asked about {len(skipped)} of "
            f"{len(skipped) + result.checked} packages (first: {skipped[0]})"
        )
    return result


def _advisory_id(advisory: dict) -> tuple[str, ...]:
    url = advisory.get("url") or ""
    found = re.search(r"GHSA(-[0-9a-z]{4}){3}", url)
    ids = [found.group(0)] if found else []
    if advisory.get("source") is not None:
        ids.append(str(advisory["source"]))
    return tuple(ids) or (advisory.get("title", "?"),)


def parse_npm_audit(output: str) -> Result:
    """``npm audit --json``: the high and critical advisories among the production packages."""
    try:
        report = json.loads(output)
    except json.JSONDecodeError:
        raise AuditError("npm audit printed no report") from None
    if "error" in report or "vulnerabilities" not in report:
        message = report.get("message") or report.get("error", {}).get("summary") or report
        raise Unreachable(f"the npm audit endpoint did not answer: {message}")
    result = Result("npm audit")
    result.checked = report.get("metadata", {}).get("dependencies", {}).get("prod", 0)
    seen = set()
    for name, entry in sorted(report["vulnerabilities"].items()):
        for advisory in entry.get("via", []):
            if not isinstance(advisory, dict):  # the name of a vulnerable dependency
                continue
            if advisory.get("severity") not in NPM_LEVELS:
                continue
            ids = _advisory_id(advisory)
            if (name, ids) in seen:
                continue
            seen.add((name, ids))
            fix = entry.get("fixAvailable")
            result.findings.append(
                Finding(
                    "npm audit",
                    name,
                    advisory.get("range", ""),
                    ids,
                    fix=fix.get("version", "") if isinstance(fix, dict) else "",
                    title=f"{advisory['severity']}: {advisory.get('title', '')}",
                )
            )
    return result


def _run(command: list[str], timeout: int) -> str:
    """The command's standard output; it may exit non-zero (both tools do on a finding)."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
        )
    except FileNotFoundError:
        raise AuditError(f"{command[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise Unreachable(f"{Path(command[0]).name} took more than {timeout} s") from None
    if not done.stdout.strip():
        tail = (done.stderr.strip().splitlines() or ["(nothing)"])[-1]
        error = Unreachable if NETWORK_ERRORS.search(done.stderr) else AuditError
        raise error(f"{Path(command[0]).name} failed: {tail}")
    return done.stdout


def pip_audit(tool: str, locks: list[str]) -> Result:
    command = [tool, "--format", "json", "--progress-spinner", "off"]
    command += ["--require-hashes", "--disable-pip", "--timeout", str(REQUEST_TIMEOUT)]
    for lock in locks:
        command += ["-r", lock]
    return parse_pip_audit(_run(command, PIP_AUDIT_TIMEOUT))


def npm_audit(npm: str) -> Result:
    timeout_ms = str(REQUEST_TIMEOUT * 1000)
    command = [npm, "audit", "--omit=dev", "--json", "--fetch-retries=1"]
    command += [f"--fetch-timeout={timeout_ms}", f"--fetch-retry-maxtimeout={timeout_ms}"]
    return parse_npm_audit(_run(command, NPM_AUDIT_TIMEOUT))


def report(results: list[Result], accepted: dict[str, Accepted]) -> int:
    """Print each tool's outcome; 1 when an unaccepted vulnerability was found."""
    failed = False
    for result in results:
        open_ = [f for f in result.findings if not f.accepted_by(accepted)]
        level = " high or critical" if result.tool == "npm audit" else ""
        found = f"{len(open_)}{level} known vulnerabilities not accepted" if open_ else ""
        print(
            f"{result.tool}: {result.checked} packages checked, "
            + (found or f"no{level} known vulnerability")
        )
        for finding in result.findings:
            ok = finding.accepted_by(accepted)
            if ok:
                print(f"  accepted {ok.date}: {finding.package} {finding.ids[0]} — {ok.reason}")
        for finding in open_:
            failed = True
            fix = f" (fixed in {finding.fix})" if finding.fix else " (no fix released)"
            also = f" (also {', '.join(finding.ids[1:])})" if finding.ids[1:] else ""
            print(f"  VULNERABLE {finding.package} {finding.version}: {finding.ids[0]}{also}{fix}")
            if finding.title:
                print(f"    {finding.title}")
    if failed:
        print(
            "Fix: raise the pin (make lock UPGRADE=<package>, or npm update) and run make audit "
            "again; or accept it in audit-ignore.txt with the day and the reason "
            "(docs/operators.md)."
        )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip-audit", default="pip-audit", help="the pip-audit to run")
    parser.add_argument("--npm", default="npm")
    parser.add_argument("--lock", action="append", default=[], help="a hashed lock file")
    parser.add_argument("--ignore-file", default=str(ROOT / "audit-ignore.txt"))
    parser.add_argument(
        "--unreachable",
        choices=["fail", "warn"],
        default="fail",
        help="when a vulnerability database does not answer: fail (exit 2) or warn (exit 0)",
    )
    args = parser.parse_args(argv)
    try:
        accepted = read_ignore_file(Path(args.ignore_file))
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    results, unreachable, broken = [], [], []
    for name, check in (
        ("pip-audit", lambda: pip_audit(args.pip_audit, args.lock or ["requirements/lock.txt"])),
        ("npm audit", lambda: npm_audit(args.npm)),
    ):
        try:
            results.append(check())
        except Unreachable as exc:
            unreachable.append(f"{name}: {exc}")
        except AuditError as exc:
            broken.append(f"{name}: {exc}")
    status = report(results, accepted)
    for line in broken + unreachable:
        print(f"AUDIT NOT DONE — {line}", file=sys.stderr)
    if broken or (unreachable and args.unreachable == "fail"):
        return status or 2
    if unreachable:
        print(
            "audit: the check above could not reach its vulnerability database from this "
            "machine, so it found nothing either way; run make audit where it can "
            "(docs/operators.md)",
            file=sys.stderr,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
