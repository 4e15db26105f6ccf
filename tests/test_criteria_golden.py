"""Golden cases beside every rule file (rules/payers/<payer>/<policy-id>.cases.yaml), run as
one parametrized test, plus checks that the cases cover every branch and every criterion."""
from __future__ import annotations

import pytest

from screener.criteria import Node, load_policies
from screener.criteria.cases import case_files, load_cases, run_case

CASES = [case for path in case_files() for case in load_cases(path)]
POLICIES = [policy for versions in load_policies().values() for policy in versions]


def _by_policy(policy):
    return [c for c in CASES if c.file == policy.path.with_name(f"{policy.policy_id}.cases.yaml")]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem.removesuffix('.cases')}:{c.id}" for c in CASES])
def test_criteria_golden_case(case):
    assert run_case(case) == []


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_criteria_golden_every_policy_has_cases(policy):
    assert _by_policy(policy), f"{policy.path.name} has no {policy.policy_id}.cases.yaml"


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_criteria_golden_every_tree_branch_has_a_meeting_case(policy):
    cases = _by_policy(policy)
    for (indication, request_type), branch in policy.branches.items():
        if not isinstance(branch, Node):
            continue
        assert any(
            c.status == "meets_criteria" and c.findings.get("indication") == indication
            and c.findings.get("request_type") == request_type for c in cases
        ), f"{policy.name}: no meets_criteria case for {indication}/{request_type}"


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_criteria_golden_every_criterion_flips_in_a_case(policy):
    """Each evaluable leaf fails alone in some case (or, where a scope gate pre-empts its
    failure, e.g. age < 18, is missing in one)."""
    cases = _by_policy(policy)
    failed = set().union(*(c.failed or set() for c in cases))
    missing = set().union(*(c.missing or set() for c in cases))
    leaves = {n for b in policy.branches.values() if isinstance(b, Node) for n in b.walk() if n.kind == "leaf"}
    uncovered = sorted(n.id for n in leaves if n.id not in failed and n.finding not in missing)
    assert uncovered == []


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_criteria_golden_every_outcome_branch_has_a_case(policy):
    cases = _by_policy(policy)
    for (indication, request_type), branch in policy.branches.items():
        if isinstance(branch, Node):
            continue
        assert any(
            c.status == branch.outcome and c.findings.get("indication") in (indication, None)
            and c.findings.get("request_type") == request_type for c in cases
        ), f"{policy.name}: no {branch.outcome} case for {indication}/{request_type}"
