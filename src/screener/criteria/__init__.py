"""Payer criteria as data: rule files under ``rules/payers/`` evaluated by a pure engine.

- ``PAYERS``: the payer ids, in report order.
- ``determine(findings, payer=None, service_date=None)`` -> payer -> determination dict
  (contract.md statuses; docs/INTERFACES.md shape), using the policy version in force on
  ``service_date`` (default today).
- ``load_policies()`` / ``policy_for(payer, day)``: the validated rule files.

Imports neither spaCy nor pandas. How the rule files are written: ``docs/criteria.md``.
"""
from __future__ import annotations

from .engine import determine, determine_policy, evaluate, facts_from
from .schema import PAYERS, Node, Outcome, Policy, RuleFileError, UnknownPayerError, load_policies, load_policy, policy_for

__all__ = [
    "PAYERS",
    "Node",
    "Outcome",
    "Policy",
    "RuleFileError",
    "UnknownPayerError",
    "determine",
    "determine_policy",
    "evaluate",
    "facts_from",
    "load_policies",
    "load_policy",
    "policy_for",
]
