"""The locked dependencies have no known vulnerability (pip-audit), the code has no high
severity finding (bandit), and requirements.lock pins what pyproject.toml asks for."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def test_the_lock_pins_every_runtime_dependency_within_its_range():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = _locked()
    problems = []
    for line in declared:
        requirement = Requirement(line)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} is outside {requirement.specifier}")
    assert not problems, "Refresh requirements.lock (see its first lines): " + "; ".join(problems)


def _tool(module: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _record_audit_outcome(line: str) -> None:
    """CI (.ci/run) prints this line after the suite, so that an audit that did not run is said
    in plain words and never passes for one that did."""
    path = os.environ.get("VULNERABILITY_AUDIT_REPORT")
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(line + "\n", encoding="utf-8")


def test_pip_audit_finds_no_known_vulnerability_in_the_lock(tmp_path):
    _record_audit_outcome("DID NOT RUN: the audit test started but did not finish")
    report = tmp_path / "audit.json"
    result = _tool(
        "pip_audit",
        "--requirement",
        str(LOCK),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--output",
        str(report),
    )
    if not report.exists():
        _unreachable(f"pip-audit did not report (exit {result.returncode}): {result.stderr[-500:]}")
    dependencies = json.loads(report.read_text())["dependencies"]
    skipped = [dep["name"] for dep in dependencies if dep.get("skip_reason")]
    if skipped and len(skipped) == len(dependencies):
        _unreachable(
            f"the vulnerability service answered for none of the dependencies ({dependencies[0]['skip_reason']})"
        )
    vulnerable = [
        f"{dep['name']}=={dep['version']}: "
        + ", ".join(
            f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['no release yet'])})" for v in dep["vulns"]
        )
        for dep in dependencies
        if dep.get("vulns")
    ]
    if vulnerable:
        _record_audit_outcome(f"RAN: {len(vulnerable)} locked dependencies have known vulnerabilities")
    assert not vulnerable, "Known vulnerabilities in requirements.lock:\n" + "\n".join(vulnerable)
    if skipped:
        _record_audit_outcome(f"RAN, INCOMPLETE: not audited (not found): {', '.join(skipped)}")
    assert not skipped, f"Not audited (not found on PyPI): {skipped}"
    _record_audit_outcome(f"RAN: {len(dependencies)} locked dependencies audited, none with a known vulnerability")


def _unreachable(reason: str) -> None:
    message = f"The vulnerability service (PyPI) could not be reached: {reason}"
    _record_audit_outcome(f"DID NOT RUN: {message}")
    # This workplace reaches PyPI's package index but not its vulnerability data (the JSON API
    # answers 404), nor OSV; a CI that can reach them sets REQUIRE_VULNERABILITY_AUDIT=1.
    if os.environ.get("REQUIRE_VULNERABILITY_AUDIT") == "1":
        pytest.fail(message + " REQUIRE_VULNERABILITY_AUDIT=1: the dependencies must be audited.")
    pytest.skip(message)


def test_bandit_finds_no_high_severity_issue():
    result = _tool("bandit", "--recursive", "portal", "petitions", "sharing", "-lll", "--format", "json", "--quiet")
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert not findings, "\n".join(findings)
    assert not report.get("errors"), report["errors"]
    assert report["metrics"]["_totals"]["loc"] > 5000  # it did scan the project
