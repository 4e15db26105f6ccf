"""``screener screen INPUT -o OUTPUT``: bulk screening of a chart extract (docs/bulk.md).

A thin wrapper over ``screener.bulk.screen_file``; exit code 2 only when the input as a
whole cannot be read (``InputError``), 130 on Ctrl-C (rerun with ``--resume``).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

KNOWN_PAYERS = ("uhc", "lhcc", "cohere", "molina")


def _payers(value: str) -> list[str]:
    try:
        from ..criteria import PAYERS as known
    except Exception:  # criteria not importable yet: the contract's payer ids
        known = KNOWN_PAYERS
    payers = [p.strip().lower() for p in value.split(",") if p.strip()]
    unknown = [p for p in payers if p not in known]
    if unknown or not payers:
        raise argparse.ArgumentTypeError(f"unknown payer(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(known)}")
    return payers


def _date(value: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None


def _size(value: str) -> int:
    from ..io.readers import parse_size

    try:
        size = parse_size(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if size <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return size


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return n


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if seconds < 0 or seconds != seconds:
        raise argparse.ArgumentTypeError("must be >= 0 (0 = no limit)")
    return seconds


def load_function(spec: str):
    """``package.module:function`` -> the function (importable, so workers can unpickle it)."""
    import importlib

    from ..errors import InputError

    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise InputError(f"--screen-fn {spec!r}: no such function (use package.module:function)") from None


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "screen",
        help="screen a chart extract (jsonl / csv / parquet / FHIR / folder of .txt) into one record per case",
        description="Screen every case of a chart extract against payer criteria. "
        "Unreadable notes become error rows; the exit code is non-zero only when the input "
        "as a whole cannot be read. See docs/bulk.md.",
    )
    p.add_argument("input", type=Path, help=".jsonl, .csv, .parquet, a FHIR Bundle .json or .ndjson of DocumentReferences, or a folder of .txt (optional manifest.csv)")
    p.add_argument("-o", "--output", type=Path, required=True, help="results: .jsonl (one record per case), .csv or .parquet (one row per case x payer)")
    p.add_argument("--format", dest="output_format", choices=("jsonl", "csv", "parquet", "fhir"), default=None,
                   help="output format (default: from OUTPUT's suffix); fhir: one FHIR Bundle per case in .ndjson "
                   "(QuestionnaireResponses with evidence, Provenance; docs/fhir.md)")
    p.add_argument("--detail", choices=("summary", "standard", "full"), default="standard",
                   help="record shape: standard (default: each evidence span once, criteria recomputed on reading), "
                   "summary (statuses and missing criteria per payer), full (also every mention and trace); docs/bulk.md")
    p.add_argument("--payers", type=_payers, default=None, help="comma-separated payer ids (default: all)")
    p.add_argument("--service-date", type=_date, default=None, help="default service date, YYYY-MM-DD (picks the policy version; default today)")
    p.add_argument("--workers", type=_workers, default=None, help="worker processes (default: all cores; 0 = screen in this process)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same OUTPUT without redoing finished cases")
    p.add_argument("--max-note-bytes", type=_size, default=None, help="notes larger than this are error rows (default 2MB; accepts 500k, 10MB)")
    p.add_argument("--case-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="a case that takes longer becomes E211 error rows and the run goes on (default 300; 0 = no limit)")
    p.add_argument("--tmp-dir", type=Path, default=None, help="where the temporary spill goes (default: beside OUTPUT)")
    p.add_argument("--progress", dest="progress", action="store_true", default=None, help="force the progress bar on")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar (default when stderr is not a terminal)")
    p.add_argument("--summary-json", type=Path, default=None, help="also write the run summary as JSON here")
    # module:function with screen_case's signature (tests and benchmarks of the runner itself)
    p.add_argument("--screen-fn", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bulk import DEFAULT_CASE_TIMEOUT, screen_file
    from ..io.readers import DEFAULT_MAX_NOTE_BYTES

    screen_fn = load_function(args.screen_fn) if args.screen_fn else None
    try:
        summary = screen_file(
            args.input,
            args.output,
            payers=args.payers,
            service_date=args.service_date,
            workers=args.workers,
            resume=args.resume,
            max_note_bytes=args.max_note_bytes or DEFAULT_MAX_NOTE_BYTES,
            progress=args.progress,
            tmp_dir=args.tmp_dir,
            screen_fn=screen_fn,
            case_timeout=DEFAULT_CASE_TIMEOUT if args.case_timeout is None else args.case_timeout,
            output_format_name=args.output_format,
            detail=args.detail,
        )
    except KeyboardInterrupt:
        print("screener: interrupted; finished cases are kept: rerun the same command with --resume", file=sys.stderr)
        return 130
    print(summary.format())
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0
