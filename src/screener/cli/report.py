"""``screener report INPUT -o report.html [--case ID] [--payers ...] [--service-date DATE] [--results FILE]``.

Reads INPUT (any notes input ``screener.io.read_notes`` supports) and screens it: a whole
extract with the bulk runner of ``screener screen`` (``screener.bulk.screen_file``: worker
processes, bounded memory, the same error rows), one patient (``--case``) in this process;
or takes the records of an earlier ``screener screen`` run (``--results``). Then writes one
self-contained HTML review page (``screener.report.write_report``). Prints only the output
path and counts, never note text.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError

log = logging.getLogger(__name__)


def _payers(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    from ..report.cases import default_payers

    known = default_payers()
    out: list[str] = []
    for value in values:
        for p in re.split(r"[,\s]+", value.strip().lower()):
            if not p:
                continue
            if p not in known:
                raise InputError(f"unknown payer {p!r}; use {', '.join(known)}")
            if p not in out:
                out.append(p)
    return out or None


def _service_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--service-date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="screen notes and write the HTML review page (evidence highlighted, criteria checklists)",
        description="Screen INPUT and write one self-contained HTML review page (docs/review.md).",
    )
    parser.add_argument("input", metavar="INPUT", help="notes: .jsonl, .csv, .parquet or a folder of .txt")
    parser.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")
    parser.add_argument("--case", metavar="ID", help="only this patient_id")
    parser.add_argument("--payers", nargs="+", metavar="PAYER", help="payers to screen (default all): uhc lhcc cohere molina")
    parser.add_argument("--service-date", metavar="DATE", help="ISO date picking the policy version (default today)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes for a whole extract (default: all cores; 0 = in this process)")
    parser.add_argument("--results", metavar="FILE",
                        help="render these case records (.jsonl from `screener screen`, any --detail) instead of screening again")
    parser.set_defaults(func=run)


def _load_results(path: Path, case: str | None) -> list[dict]:
    from ..io.shapes import expand

    if not path.is_file():
        raise InputError(f"{path}: no such results file")
    records = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path}: line {lineno} is not JSON") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}: line {lineno} is not a JSON object")
            if case is None or str(record.get("patient_id")) == case:
                records.append(expand(record))  # any shape (docs/bulk.md, "Record shapes")
    return records


def _screen_fn():
    """The screening function; ``None`` means ``screener.pipeline.screen_case`` (tests replace this)."""
    return None


def run(args: argparse.Namespace) -> int:
    from ..io import read_notes
    from ..report import write_report
    from ..report.cases import pipeline_screen_case, screen_items, split_items

    payers = _payers(args.payers)
    service_date = _service_date(args.service_date)
    source = Path(args.input)
    if args.results:
        _, errors, notes = split_items(read_notes(source), case=args.case)
        records = _load_results(Path(args.results), args.case)
        seen = {(r.get("patient_id"), r.get("note_id")) for r in records if r.get("status") == "error"}
        records += [r for r in errors if (r.get("patient_id"), r.get("note_id")) not in seen]
    elif args.case is not None:
        # one patient: screen only that patient's notes, in this process
        records, notes = screen_items(read_notes(source), _screen_fn() or pipeline_screen_case(),
                                      payers=payers, service_date=service_date, case=args.case)
    else:
        # the whole extract: the bulk runner (worker processes, bounded memory), as `screener screen`
        from ..bulk import screen_file
        from ..io.writers import read_records

        with tempfile.TemporaryDirectory(prefix="screener-report-") as tmp:
            results = Path(tmp) / "results.jsonl"
            screen_file(source, results, payers=payers, service_date=service_date, workers=args.workers,
                        screen_fn=_screen_fn(), tmp_dir=tmp)
            records = read_records(results)
        _, _, notes = split_items(read_notes(source))
    if args.case is not None and not records:
        raise InputError(f"patient_id {args.case!r} not found in {args.input}")
    path = write_report(records, notes, args.output)
    n_err = sum(1 for r in records if r.get("status") == "error")
    print(f"wrote {path} ({len(records) - n_err} cases, {n_err} error rows)")
    return 0
