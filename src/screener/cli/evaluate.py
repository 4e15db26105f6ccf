"""``screener evaluate GOLD_DIR [--negex [PATH]] [--ml] [--json OUT]``.

Prints the per-key precision / recall / F1 of the extracted findings (case level and
note level) with micro-F1, and the determination accuracy per payer; optionally the
NegEx/ConText assertion benchmark and the TF-IDF + LR baseline. The error listing
(which quotes note text) goes only to the ``--json`` file, never to the terminal.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="measure extraction and determinations against an annotated gold folder",
        description="Score the screener against annotated cases (format: docs/evaluation.md).",
    )
    parser.add_argument("gold_dir", metavar="GOLD_DIR", help="gold folder (one sub-folder per case with case.yaml)")
    parser.add_argument("--negex", nargs="?", const="", default=None, metavar="PATH",
                        help="also run the NegEx/ConText assertion benchmark (PATH defaults to the "
                             "copy the project ships, data/negex/rsAnnotations-1-120-random.txt)")
    parser.add_argument("--ml", action="store_true", help="also cross-validate the TF-IDF + LR baseline")
    parser.add_argument("--level", choices=("case", "note", "both"), default="both",
                        help="which per-key table(s) to print (default both)")
    parser.add_argument("--suggestions", action="store_true",
                        help="also score the \"where to look\" suggestions: how often the gold sentence (case.yaml "
                             "evidence quotes) is among the top three for a finding left missing; the model is "
                             "trained without GOLD_DIR")
    parser.add_argument("--json", metavar="OUT", help="write every table (and the error listing) as JSON")
    parser.set_defaults(func=run)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "  -  " if math.isnan(v) else f"{v:.3f}"
    return str(v)


def _table(frame, columns: list[str]) -> str:
    rows = [[_fmt(r[c]) for c in columns] for r in frame.to_dict(orient="records")]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(columns, widths)))]
    lines += ["  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))
              for r in rows]
    return "\n".join(lines)


def _jsonable(obj: Any) -> Any:
    """NaN -> null, numpy scalars -> Python, tuples -> lists (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def run(args: argparse.Namespace) -> int:
    from ..evaluation import default_negex_path, evaluate

    negex = None
    if args.negex is not None:
        negex = Path(args.negex) if args.negex else default_negex_path()
    result = evaluate(args.gold_dir, negex=negex, ml=args.ml)
    fe = result.findings
    print(f"gold: {fe.n_cases} cases, {fe.n_notes} notes ({args.gold_dir})")
    if result.determinations is not None:
        # the worst failures first: a determination that says more than the reviewer did
        print("\nwrong confidence: determinations that say more than the gold (case ids only)")
        print(_table(result.determinations.wrong_confidence,
                     ["payer", "n", "false_meets_criteria", "false_does_not_meet", "false_meets_cases",
                      "false_does_not_meet_cases"]))
    levels = ("case", "note") if args.level == "both" else (args.level,)
    for level in levels:
        per_key = fe.per_key[fe.per_key["level"] == level]
        print(f"\n{level}-level findings (numbers within 1 point and on the same side of every payer threshold, "
              "bool/enum exact)")
        print(_table(per_key, ["key", "support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1"]))
        summary = fe.summary[fe.summary["level"] == level]
        if len(summary):
            s = summary.iloc[0]
            print(f"micro  P {_fmt(s['precision'])}  R {_fmt(s['recall'])}  F1 {_fmt(s['f1'])}"
                  f"  (tp {s['tp']}, fp {s['fp']}, fn {s['fn']}; macro-F1 {_fmt(s['macro_f1'])})")
    print(f"errors: {len(fe.errors)} (listed with their evidence text in --json)")
    if result.determinations is not None:
        print("\ndeterminations: accuracy per payer (reference = criteria engine on the gold findings)")
        print(_table(result.determinations.accuracy, ["payer", "n", "correct", "accuracy", "reference_accuracy"]))
    if result.assertion is not None:
        ab = result.assertion
        print(f"\nassertion benchmark: {len(ab.predictions)} sentences ({len(ab.skipped)} skipped: "
              "condition not in sentence)")
        print(_table(ab.scores, ["system", "dimension", "support", "precision", "recall", "f1"]))
    if result.ml is not None:
        print(f"\nML baseline (TF-IDF + LR): {result.ml.caveat}")
        print(_table(result.ml.notes, ["key", "positives", "rules_f1", "ml_f1", "winner"]))
        if len(result.ml.statuses):
            print(_table(result.ml.statuses, ["payer", "cases", "rules_accuracy", "ml_accuracy", "majority_accuracy"]))
    suggestions = None
    if args.suggestions:
        from ..suggest.evaluate import evaluate_suggestions, format_suggestions

        suggestions = evaluate_suggestions(args.gold_dir)
        print("\n" + format_suggestions(suggestions))
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = result.to_dict()
        if suggestions is not None:
            data["suggestions"] = suggestions
        out.write_text(json.dumps(_jsonable(data), indent=2, default=str, allow_nan=False), encoding="utf-8")
        print(f"\nwrote {out}")
    return 0
