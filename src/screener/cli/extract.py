"""``screener extract NOTE.txt``: the findings of one note with their evidence, as JSON.

For checking what the rules read in a note. It prints note text (the evidence quotes) to
standard output because the user asked for it; nothing is logged.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

from ..errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="print one note's findings and evidence as JSON",
        description="Read one note (a UTF-8 text file, or - for standard input) and print its findings.",
    )
    parser.add_argument("note", help="path to a .txt note, or - for standard input")
    parser.add_argument("--note-date", type=_dt.date.fromisoformat, default=None, help="ISO date of the note")
    parser.add_argument("--mentions", action="store_true", help="also list every mention, including negated ones")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..extraction import findings_of, mentions

    if args.note == "-":
        text = sys.stdin.read()
        note_id = "stdin"
    else:
        path = Path(args.note)
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({type(exc).__name__})") from None
        note_id = path.stem
    found = mentions(text, args.note_date)
    findings = findings_of(found, note_id, args.note_date)
    out = {"note_id": note_id, "findings": {k: f.to_dict() for k, f in sorted(findings.items())}}
    if args.mentions:
        out["mentions"] = [
            {"key": m.key, "value": m.value, "rule_id": m.rule_id, "start": m.start, "end": m.end, "text": m.text, **m.flags}
            for m in found
        ]
    json.dump(out, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0
