"""``screener rules check``, ``screener rules show PAYER`` and ``screener rules questionnaire
PAYER``: thin wrappers over ``screener.criteria`` (validation, golden cases, the policy tree a
reviewer audits) and ``screener.fhir.questionnaire`` (the tree as a FHIR Questionnaire)."""
from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path

from ..criteria import PAYERS, Node, Policy, RuleFileError, load_policy, policy_for
from ..criteria.cases import case_files, load_cases, run_case
from ..criteria.schema import check_versions, policy_files
from ..paths import rules_dir


def register(subparsers) -> None:
    parser = subparsers.add_parser("rules", help="check, show or export as a FHIR Questionnaire the payer rule files (rules/payers)")
    sub = parser.add_subparsers(dest="rules_command", required=True)
    check = sub.add_parser("check", help="validate every rule file and run its golden cases; one line per file")
    check.add_argument("--dir", type=Path, default=None, help="a payers folder (default: the packaged rules/payers)")
    check.set_defaults(func=check_command)
    show = sub.add_parser("show", help="print a payer's policy tree: ids, policy words, cites, operators")
    show.add_argument("payer", choices=PAYERS)
    show.add_argument("--date", type=_dt.date.fromisoformat, default=None,
                      help="service date YYYY-MM-DD picking the version in force (default: today)")
    show.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    show.set_defaults(func=show_command)
    quest = sub.add_parser("questionnaire", help="write a payer's criteria as a FHIR R4 Questionnaire (Da Vinci DTR style)",
                           description="The payer's policy version in force on --date as a FHIR Questionnaire: "
                           "linkId = rule node id, text = the policy's words, groups for all/any, enableWhen "
                           "by indication and request type. See docs/fhir.md.")
    quest.add_argument("payer", choices=PAYERS)
    quest.add_argument("--date", type=_dt.date.fromisoformat, default=None,
                       help="service date YYYY-MM-DD picking the version in force (default: today)")
    quest.add_argument("-o", "--output", type=Path, default=None, help="write the JSON here (default: standard output)")
    quest.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    quest.set_defaults(func=questionnaire_command)


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def check_command(args) -> int:
    root = args.dir or rules_dir() / "payers"
    errors = 0
    loaded: list[Policy] = []
    for path in policy_files(root):
        try:
            policy = load_policy(path)
        except RuleFileError as exc:
            errors += 1
            print(f"error {_name(path)}: {exc}")
            continue
        loaded.append(policy)
        nodes = list(policy.nodes())
        unevaluable = sum(n.kind == "unevaluable" for n in nodes)
        print(f"ok    {_name(path)}: {policy.name}, {len(nodes)} criteria, {unevaluable} not evaluable")
    try:
        check_versions(loaded)
    except RuleFileError as exc:
        errors += 1
        print(f"error {exc.file}: {exc}")
    for path in case_files(root):
        try:
            cases = load_cases(path)
        except RuleFileError as exc:
            errors += 1
            print(f"error {_name(path)}: {exc}")
            continue
        failures = [(case.id, problems) for case in cases if (problems := run_case(case))]
        if failures:
            errors += 1
            case_id, problems = failures[0]
            print(f"fail  {_name(path)}: {len(failures)} of {len(cases)} cases differ; first {case_id}: {problems[0]}")
        else:
            print(f"ok    {_name(path)}: {len(cases)} cases pass")
    return 1 if errors else 0


def _leaf(node: Node) -> str:
    value = "" if node.value is None else f" {node.value}"
    absent = "  [not documented = assumed absent]" if node.assume_absent else ""
    return f"{node.finding} {node.op}{value}{absent}"


def _lines(node: Node, depth: int) -> list[str]:
    pad = "  " * depth
    if node.kind == "leaf":
        head = f"{pad}- [{node.id}] {_leaf(node)}"
    elif node.kind == "unevaluable":
        head = f"{pad}- [{node.id}] NOT EVALUATED: {node.reason}"
    else:
        head = f"{pad}- [{node.id}] {node.kind.upper()} of {len(node.children)}:"
    lines = [head, f'{pad}    "{node.text}" ({node.cite})']
    if node.interpretation:
        lines.append(f"{pad}    reading: {node.interpretation}")
    for child in node.children:
        lines.extend(_lines(child, depth + 1))
    return lines


def _policy_in_force(args) -> tuple[Policy | None, _dt.date]:
    """The payer's policy version in force on ``--date`` (default today); says so when none is."""
    day = args.date or _dt.date.today()
    policy = policy_for(args.payer, day, args.dir)
    if policy is None:
        print(f"no {args.payer} policy version is encoded for {day.isoformat()}")
    return policy, day


def show_command(args) -> int:
    policy, day = _policy_in_force(args)
    if policy is None:
        return 1
    span = f"{policy.effective_from or '...'} to {policy.effective_to or '...'}"
    out = [f"{policy.name}: {policy.title}", f"source: {policy.source}; in force {span} (service date {day})"]
    if policy.effective_note:
        out.append(f"note: {policy.effective_note}")
    for gate in policy.not_addressed:
        out.append("\nNOT ADDRESSED when:")
        out.extend(_lines(gate, 1))
    for (indication, request_type), branch in policy.branches.items():
        out.append(f"\n== {indication}/{request_type}")
        if isinstance(branch, Node):
            out.extend(_lines(branch, 1))
        else:
            refer = f" -> {branch.refer_to}" if branch.refer_to else ""
            out.append(f"  [{branch.id}] {branch.outcome.upper()}{refer}")
            out.append(f'      "{branch.text}" ({branch.cite})')
    print("\n".join(out))
    return 0


def questionnaire_command(args) -> int:
    import json

    from ..fhir.questionnaire import questionnaire
    from ..io.writers import write_text_or_print

    policy, _ = _policy_in_force(args)
    if policy is None:
        return 1
    text = json.dumps(questionnaire(policy), indent=2, ensure_ascii=False) + "\n"
    write_text_or_print(text, args.output, f"Questionnaire {policy.name} ({policy.policy_id})")
    return 0
