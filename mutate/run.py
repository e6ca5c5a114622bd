"""`make mutate`: mutation testing of the modules that hold the portal's rules.

Two kinds of mutant, both reported per module:

* mutmut's (configured in pyproject.toml, [tool.mutmut]): every function listed below is
  changed one small edit at a time, and for each edit only the tests that reached that function
  are run. mutmut leaves out module-level code (the transition table) and decorated functions
  (``petition_transition`` is ``@transaction.atomic``), so
* hand mutants (HAND_MUTANTS below) cover those: each is one edit of the source made in a
  scratch copy of the tree, with the tests that must notice it.

A mutant is killed when a test fails. The run prints the kill rate per module (killed out of
the mutants that are not equivalent, as listed under "Equivalent" in SURVIVORS.md) and every
survivor; it exits non-zero when a module is under TARGET or a survivor is not explained in
mutate/SURVIVORS.md (by its name, e.g. ``sharing.crypto.x_mask_rrn__mutmut_12``).

    python mutate/run.py                # everything (slow: tens of minutes on two cores)
    python mutate/run.py --hand-only    # only the hand mutants (a minute or two)
    python mutate/run.py --report-only  # the figures of the last mutmut run, without running it
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVIVORS_FILE = ROOT / "mutate" / "SURVIVORS.md"
TARGET = 0.90


def _functions(module: str, *names: str) -> list[str]:
    return [f"{module}.x_{name}__mutmut_*" for name in names]


def _methods(module: str, cls: str, *names: str) -> list[str]:
    return [f"{module}.x\u01c1{cls}\u01c1{name}__mutmut_*" for name in names]


# The modules that hold the rules, and in each the functions that decide (the selectors and
# services modules also hold catalogue, queue-count, retry and transport code: not rules here).
MODULES: dict[str, list[str]] = {
    "petitions/workflow.py (state machine)": ["petitions.workflow.*"],
    "portal/lockout.py (login lockout)": ["portal.lockout.*"],
    "petitions/officer_selectors.py (official's access)": _functions(
        "petitions.officer_selectors", "memberships_for", "is_supervisor", "petition_for_officer"
    ),
    "sharing/crypto.py (encryption, masking)": ["sharing.crypto.*"],
    "sharing/selectors.py, sharing/tracker/selectors.py (whose access log, inquiries, refunds)": _functions(
        "sharing.selectors", "access_log_for_subject"
    )
    + _functions(
        "sharing.tracker.selectors",
        "citizen_subject_hash",
        "access_log_entries",
        "access_log_case_refs",
        "access_entry_for_citizen",
        "inquiries_for_citizen",
        "privacy_office_ids",
        "inquiries_for_privacy_officer",
        "inquiry_for_privacy_officer",
        "refund_inquiry_latest",
        "refund_inquiry_for_citizen",
    ),
    "sharing/audit.py (access log)": ["sharing.audit.*"],
    "petitions/selectors.py (citizen's access)": _functions(
        "petitions.selectors",
        "petitions_page_for_applicant",
        "_applicant_filed",
        "drafts_for_applicant",
        "petition_for_applicant",
        "own_petition_by_public_id",
        "draft_for_applicant",
        "fetch_request_of_petition",
    ),
    "sharing/services.py (field minimisation, office check on fetched data)": _functions(
        "sharing.services", "fetch_requests_create", "fetch_request_retry", "_provider_request", "personal_data_read"
    ),
    "sharing/providers/standard_http.py (only the asked fields)": _methods(
        "sharing.providers.standard_http", "StandardHttpProvider", "build_request_token", "_validated"
    ),
    "sharing/documents/throttle.py (/verify/ throttle)": ["sharing.documents.throttle.*"],
    "sharing/hub (approved uses: the check of a fetch, deciding a use)": _functions(
        "sharing.hub.selectors", "use_check", "use_for_fetch"
    )
    + _functions("sharing.hub.services", "_clean_fields", "_may_decide", "_decide"),
}


@dataclass(frozen=True)
class HandMutant:
    name: str
    module: str  # a key of MODULES
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


HAND_MUTANTS = [
    HandMutant(
        "hand:rejected-back-to-review",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "    S.REJECTED: frozenset(),",
        "    S.REJECTED: frozenset({S.UNDER_REVIEW}),",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:submitted-straight-to-approved",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "S.SUBMITTED: frozenset({S.COLLECTING, S.UNDER_REVIEW, S.WITHDRAWN}),",
        "S.SUBMITTED: frozenset({S.COLLECTING, S.UNDER_REVIEW, S.WITHDRAWN, S.APPROVED}),",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:approved-not-final",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "    S.APPROVED: frozenset(),",
        "    S.APPROVED: frozenset({S.WITHDRAWN}),",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:transition-check-skipped",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "    if not can_transition(from_status, to):",
        "    if False:",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:withdrawal-not-stamped",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "DECIDED = frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})",
        "DECIDED = frozenset({S.APPROVED, S.REJECTED})",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:clock-keeps-running",
        "petitions/workflow.py (state machine)",
        "petitions/workflow.py",
        "        locked.suspended_days += stopped",
        "        locked.suspended_days += 0",
        ("tests/petitions/test_workflow.py",),
    ),
    HandMutant(
        "hand:hash-without-ip-address",
        "sharing/audit.py (access log)",
        "sharing/audit.py",
        '        "ip_address": entry.ip_address,\n',
        "",
        ("tests/sharing/test_audit.py", "tests/sharing/test_audit_coverage.py"),
    ),
    HandMutant(
        "hand:hash-without-fields",
        "sharing/audit.py (access log)",
        "sharing/audit.py",
        '        "fields": list(entry.fields or []),\n',
        "",
        ("tests/sharing/test_audit.py", "tests/sharing/test_audit_coverage.py"),
    ),
    HandMutant(
        "hand:chain-end-read-from-the-start",
        "sharing/audit.py (access log)",
        "sharing/audit.py",
        'AccessLogEntry.objects.order_by("-sequence")',
        'AccessLogEntry.objects.order_by("sequence")',
        ("tests/sharing/test_audit.py", "tests/sharing/test_audit_coverage.py"),
    ),
    HandMutant(
        "hand:malformed-rrn-shown-whole",
        "sharing/crypto.py (encryption, masking)",
        "sharing/crypto.py",
        "        visible = max(0, min(len(value) // 2, 7))\n",
        "        return value\n",
        ("tests/sharing/test_crypto.py", "tests/sharing/test_masking.py"),
    ),
    HandMutant(
        "hand:short-key-accepted",
        "sharing/crypto.py (encryption, masking)",
        "sharing/crypto.py",
        "        if len(key) != 32:",
        "        if len(key) > 32:",
        ("tests/sharing/test_crypto.py", "tests/sharing/test_crypto_format.py", "tests/portal/test_settings.py"),
    ),
    HandMutant(
        "hand:fields-outside-the-item-asked",
        "sharing/services.py (field minimisation, office check on fetched data)",
        "sharing/services.py",
        "        if not spec.fields or unknown:\n",
        "        if not spec.fields:\n",
        ("tests/sharing/test_minimisation_and_office.py", "tests/sharing/test_fetching.py"),
    ),
    HandMutant(
        "hand:retry-by-another-office",
        "sharing/services.py (field minimisation, office check on fetched data)",
        "sharing/services.py",
        "    if not actor.memberships.filter(office_id=fetch_request.office_id).exists():\n",
        "    if not actor.memberships.exists():\n",
        ("tests/sharing/test_fetching.py",),
    ),
    HandMutant(
        "hand:verify-lock-never-expires",
        "sharing/documents/throttle.py (/verify/ throttle)",
        "sharing/documents/throttle.py",
        'slot_key = f"documents:verify-miss:{_address(address)}:{int(now // window)}"',
        'slot_key = f"documents:verify-miss:{_address(address)}:0"',
        ("tests/documents/test_throttle.py", "tests/documents/test_views.py"),
    ),
    HandMutant(
        "hand:revoked-use-resumed",
        "sharing/hub (approved uses: the check of a fetch, deciding a use)",
        "sharing/hub/services.py",
        "    Action.RESUMED: (Status.SUSPENDED,),",
        "    Action.RESUMED: (Status.SUSPENDED, Status.REVOKED),",
        ("tests/hub/test_use_lifecycle.py",),
    ),
    HandMutant(
        "hand:refused-use-approved",
        "sharing/hub (approved uses: the check of a fetch, deciding a use)",
        "sharing/hub/services.py",
        "    Action.APPROVED: (Status.APPLIED,),",
        "    Action.APPROVED: (Status.APPLIED, Status.REFUSED),",
        ("tests/hub/test_use_lifecycle.py",),
    ),
    HandMutant(
        "hand:use-widened-on-approval",
        "sharing/hub (approved uses: the check of a fetch, deciding a use)",
        "sharing/hub/services.py",
        "    wider = [name for name in approved_fields if name not in use.requested_fields]",
        "    wider = []",
        ("tests/hub/test_use_lifecycle.py",),
    ),
    HandMutant(
        "hand:any-official-applies",
        "sharing/hub (approved uses: the check of a fetch, deciding a use)",
        "sharing/hub/services.py",
        "UsingAgencyAdministrator.objects.filter(user=actor, using_agency=using_agency).exists()",
        "UsingAgencyAdministrator.objects.filter(user=actor).exists()",
        ("tests/hub/test_use_lifecycle.py",),
    ),
    HandMutant(
        "hand:suspension-without-reason",
        "sharing/hub (approved uses: the check of a fetch, deciding a use)",
        "sharing/hub/services.py",
        "_REASON_REQUIRED = {Action.NARROWED, Action.REFUSED, Action.SUSPENDED, Action.REVOKED}",
        "_REASON_REQUIRED = {Action.NARROWED, Action.REFUSED, Action.REVOKED}",
        ("tests/hub/test_use_lifecycle.py",),
    ),
]


# --- mutmut ---------------------------------------------------------------------------------------


def _mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(command, cwd=ROOT, text=True, capture_output=capture, check=False)


TEMPLATE_DATABASE = ROOT / "var" / "mutate-template.sqlite3"


def _build_template_database() -> None:
    """Migrates the SQLite database each mutant's test process copies (tests/settings.py says
    why), afresh on every run so that it follows the migrations."""
    TEMPLATE_DATABASE.parent.mkdir(exist_ok=True)
    TEMPLATE_DATABASE.unlink(missing_ok=True)
    environment = os.environ.copy() | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{TEMPLATE_DATABASE}",
    }
    environment.pop("MUTATE_TEMPLATE_DB", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=environment, check=True)
    os.environ["MUTATE_TEMPLATE_DB"] = str(TEMPLATE_DATABASE)


def _selected(module: str, only: list[str]) -> bool:
    return not only or any(part in module for part in only)


def run_mutmut(max_children: int, only: list[str]) -> None:
    """One mutmut run over every selected module: each run starts by running the whole selected
    test set once without mutants (to learn which tests reach which function), so one run per
    module would pay for that several times. An interrupted run still keeps what it found
    (mutmut keeps each verdict in mutants/ and checks again only what changed or was not checked)."""
    _build_template_database()
    modules = [module for module in MODULES if _selected(module, only)]
    patterns = [pattern for module in modules for pattern in MODULES[module]]
    print("--- " + "; ".join(modules), flush=True)
    result = _mutmut("run", "--max-children", str(max_children), *patterns)
    if result.returncode != 0:
        sys.exit(f"mutmut run failed (exit {result.returncode})")


def mutmut_results() -> dict[str, str]:
    result = _mutmut("results", "--all", "true", capture=True)
    statuses = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^\s+(\S+): (.+)$", line)
        if match:
            statuses[match.group(1)] = match.group(2).strip()
    return statuses


def _module_of(name: str) -> str | None:
    from fnmatch import fnmatch

    for module, patterns in MODULES.items():
        if any(fnmatch(name, pattern) for pattern in patterns):
            return module
    return None


# --- hand mutants ---------------------------------------------------------------------------------


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="portal-hand-mutant-"))
    ignore = shutil.ignore_patterns(".git", ".venv", "var", "mutants", "__pycache__", "*.pyc", "node_modules")
    for entry in ROOT.iterdir():
        if entry.name in {".git", ".venv", "var", "mutants"}:
            continue
        if entry.is_dir():
            shutil.copytree(entry, scratch / entry.name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(entry, scratch / entry.name)
    return scratch


def run_hand_mutant(mutant: HandMutant) -> str:
    scratch = _scratch_copy()
    try:
        target = scratch / mutant.path
        source = target.read_text()
        if source.count(mutant.old) != 1:
            return "stale (the edited line is no longer in the source: update HAND_MUTANTS)"
        target.write_text(source.replace(mutant.old, mutant.new))
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *mutant.tests],
            cwd=scratch,
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
        if result.returncode == 1:
            failed = re.findall(r"^FAILED (\S+)", result.stdout, flags=re.M)
            shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
            return f"killed by {len(failed)} test(s): {shown}"
        if result.returncode == 0:
            return "survived"
        return f"error (pytest exit {result.returncode}): {result.stdout[-300:]}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- the report -----------------------------------------------------------------------------------


def explained_survivors() -> set[str]:
    """Every name in backticks in mutate/SURVIVORS.md."""
    if not SURVIVORS_FILE.exists():
        return set()
    return set(re.findall(r"`([^`\s]+)`", SURVIVORS_FILE.read_text()))


def equivalent_survivors() -> set[str]:
    """The names in backticks under SURVIVORS.md's "## Equivalent" heading: mutants no test could
    kill because nothing anyone could notice changes. The kill rate leaves them out, as a
    mutation score does; the harmless ones (PostgreSQL-only, ...) stay in it."""
    if not SURVIVORS_FILE.exists():
        return set()
    section = re.search(r"^## Equivalent\n(.*?)(?=^## |\Z)", SURVIVORS_FILE.read_text(), re.M | re.S)
    return set(re.findall(r"`([^`\s]+)`", section.group(1))) if section else set()


def report(statuses: dict[str, str], hand: dict[str, str]) -> int:
    per_module: dict[str, dict[str, list[str]]] = {module: {} for module in MODULES}
    for name, status in statuses.items():
        module = _module_of(name)
        if module is None or status == "skipped":
            continue
        per_module[module].setdefault(status, []).append(name)
    for mutant in HAND_MUTANTS:
        hand_status = hand.get(mutant.name)
        if hand_status is not None:
            verdict = "killed" if hand_status.startswith("killed") else "survived"
            per_module[mutant.module].setdefault(verdict, []).append(mutant.name)

    explained = explained_survivors()
    equivalent = equivalent_survivors()
    failures = 0
    print(
        f"\n{'module':<78} {'mutants':>7} {'equiv.':>6} {'killed':>7} {'rate':>7} {'of all':>7} {'unrun':>6}"
        "\n(rate: killed / (mutants - equivalent); of all: killed / mutants)"
    )
    for module, by_status in per_module.items():
        unrun = len(by_status.pop("not checked", []))
        total = sum(len(names) for names in by_status.values())
        killed = (
            len(by_status.get("killed", []))
            + len(by_status.get("timeout", []))
            + len(by_status.get("caught by type check", []))
        )
        same = sum(name in equivalent for names in by_status.values() for name in names)
        rate = killed / (total - same) if total > same else 0.0
        mark = "  not run" if not total else ("" if rate >= TARGET else "  < target")
        failures += bool(mark)
        failures += bool(unrun)
        raw = killed / total if total else 0.0
        print(f"{module:<78} {total:>7} {same:>6} {killed:>7} {rate:>7.1%} {raw:>7.1%} {unrun:>6}{mark}")
    print("\nSurvivors (survived, no tests, suspicious):")
    unexplained = []
    for by_status in per_module.values():
        for status in ("survived", "no tests", "suspicious"):
            for name in sorted(by_status.get(status, [])):
                note = "" if name in explained else "   <- not explained in mutate/SURVIVORS.md"
                if note:
                    unexplained.append(name)
                print(f"  [{status}] {name}{note}")
    if hand:
        print("\nHand mutants:")
        for mutant in HAND_MUTANTS:
            if mutant.name in hand:
                print(f"  {mutant.name:<42} {hand[mutant.name]}")
    if unexplained:
        print(f"\n{len(unexplained)} survivor(s) not explained; see each with: .venv/bin/mutmut show NAME")
    return 1 if failures or unexplained else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--hand-only", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="the last mutmut run's figures, hand mutants run")
    parser.add_argument("--no-hand", action="store_true")
    parser.add_argument(
        "--module", action="append", default=[], help="only the modules whose name contains this (repeatable)"
    )
    args = parser.parse_args()
    if not (args.hand_only or args.report_only):
        run_mutmut(args.max_children, args.module)
    statuses = {} if args.hand_only else mutmut_results()
    hand = {} if args.no_hand else {m.name: run_hand_mutant(m) for m in HAND_MUTANTS}
    return report(statuses, hand)


if __name__ == "__main__":
    sys.exit(main())
