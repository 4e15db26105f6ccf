"""Golden cases beside each rule file (``<policy-id>.cases.yaml``): findings in, status out.

Format (validated with pydantic, ``extra="forbid"``; finding keys and values checked
against findings.yaml)::

    policy: 2026T0626N            # the rule file beside it (<policy>.yaml)
    service_date: 2026-08-01      # default service date of the cases
    bases:                        # named finding sets, merged in the order a case lists them
      nonmalignant: {indication: nonmalignant_pain, age_years: 45, ...}
    cases:
      - id: nm_permanent_relief_49            # unique in the file
        base: [nonmalignant, permanent]       # optional, a name or a list of names
        set: {trial_pain_reduction_pct: 49}   # optional overrides; null removes a key
        status: does_not_meet                 # expected status
        failed: [uhc.nonmalignant.permanent.trial_relief_50]   # optional, compared as a set
        missing: []                           # optional, compared as a set
        policy: UHC 2026T0626N                # optional expected version (default: this file's)
        service_date: 2026-08-01              # optional, overrides the file's

``run_case`` evaluates one case through ``determine`` and returns what differs, so the
one parametrized test module and ``screener rules check`` run the same checks.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..paths import rules_dir
from .engine import determine
from .schema import CASES_SUFFIX, E_CASE, RuleFileError, check_leaf_value, load_policy

Status = Literal["meets_criteria", "does_not_meet", "insufficient_documentation", "external_criteria", "not_addressed"]


class _CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    description: str | None = None
    base: str | list[str] | None = None
    set: dict[str, Any] = {}
    service_date: _dt.date | None = None
    status: Status
    failed: list[str] | None = None
    missing: list[str] | None = None
    policy: str | None = None


class _CaseFileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: str
    service_date: _dt.date
    bases: dict[str, dict[str, Any]] = {}
    cases: list[_CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class GoldenCase:
    """One expected determination of one payer for hand-written findings."""

    file: Path
    id: str
    payer: str
    findings: dict[str, Any]
    service_date: _dt.date
    status: str
    policy: str
    failed: frozenset[str] | None
    missing: frozenset[str] | None
    description: str = ""


def case_files(directory: Path | None = None) -> list[Path]:
    root = Path(directory) if directory else rules_dir() / "payers"
    return sorted(root.glob(f"*/*{CASES_SUFFIX}"))


def load_cases(path: Path) -> list[GoldenCase]:
    """Read and validate one golden case file (its policy file must load too)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = _CaseFileSpec.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleFileError(E_CASE, path, None, f"cannot read as YAML ({type(exc).__name__})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise RuleFileError(E_CASE, path, None, f"field {'.'.join(map(str, err['loc']))!r}: {err['msg']}") from None
    policy_path = path.with_name(f"{spec.policy}.yaml")
    if path.name != f"{spec.policy}{CASES_SUFFIX}" or not policy_path.is_file():
        raise RuleFileError(E_CASE, path, None, f"cases for {spec.policy!r} must sit beside {policy_path.name}")
    policy = load_policy(policy_path)
    for name, findings in spec.bases.items():
        for key, value in findings.items():
            check_leaf_value(path, f"bases.{name}", key, None, value)
    ids: set[str] = set()
    out: list[GoldenCase] = []
    for case in spec.cases:
        if case.id in ids:
            raise RuleFileError(E_CASE, path, case.id, "duplicate case id")
        ids.add(case.id)
        findings: dict[str, Any] = {}
        for name in [case.base] if isinstance(case.base, str) else case.base or []:
            if name not in spec.bases:
                raise RuleFileError(E_CASE, path, case.id, f"unknown base {name!r}; allowed: {', '.join(spec.bases)}")
            findings.update(spec.bases[name])
        for key, value in case.set.items():
            check_leaf_value(path, case.id, key, None, value)
            findings[key] = value
        out.append(GoldenCase(
            file=path, id=case.id, payer=policy.payer,
            findings={k: v for k, v in findings.items() if v is not None},
            service_date=case.service_date or spec.service_date, status=case.status,
            policy=case.policy or policy.name,
            failed=None if case.failed is None else frozenset(case.failed),
            missing=None if case.missing is None else frozenset(case.missing),
            description=case.description or "",
        ))
    return out


def run_case(case: GoldenCase) -> list[str]:
    """What differs between the case's expectation and the engine's determination."""
    got = determine(case.findings, payer=case.payer, service_date=case.service_date,
                    rules=case.file.parent.parent)[case.payer]
    problems = []
    if got["status"] != case.status:
        problems.append(f"status {got['status']} != expected {case.status} (reasons: {got['reasons']})")
    if got["policy"] != case.policy:
        problems.append(f"policy {got['policy']} != expected {case.policy}")
    if case.failed is not None and set(got["failed"]) != case.failed:
        problems.append(f"failed {sorted(got['failed'])} != expected {sorted(case.failed)}")
    if case.missing is not None and set(got["missing"]) != case.missing:
        problems.append(f"missing {sorted(got['missing'])} != expected {sorted(case.missing)}")
    return problems
