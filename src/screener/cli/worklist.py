"""``screener worklist load|list|export``: the reviewers' worklist in a database.

- ``load RESULTS --notes INPUT [--db URL]``: screened records (any ``--detail``) and the notes
  they were screened from (any notes input, or a gold folder) -> the worklist;
- ``list [--payer P] [--status S] [--missing KEY] [--state S]``: the worklist as a table;
- ``export -o DIR [--state done|in_review|new|all]``: reviewed cases as a gold folder.

``--db`` is a SQLAlchemy URL (``postgresql+psycopg://user@host/db``) or a SQLite file path
(default ``worklist.db``). Passwords are never printed. See docs/worklist.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError

DEFAULT_DB = "worklist.db"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("worklist", help="load screened cases into the reviewers' worklist; list; export reviewed cases as gold",
                                   description="The reviewers' worklist (docs/worklist.md).")
    sub = parser.add_subparsers(dest="worklist_command", required=True)

    def db_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", default=DEFAULT_DB, metavar="URL",
                       help=f"SQLAlchemy URL or SQLite file (default {DEFAULT_DB})")

    load = sub.add_parser("load", help="load `screener screen` results and their notes")
    load.add_argument("results", metavar="RESULTS", help=".jsonl written by `screener screen` (any --detail)")
    load.add_argument("--notes", required=True, metavar="INPUT",
                      help="the notes the results were screened from (.jsonl/.csv/.parquet/FHIR/folder, or a gold folder)")
    db_arg(load)
    load.set_defaults(func=run_load)

    lst = sub.add_parser("list", help="print the worklist (tab-separated)")
    db_arg(lst)
    lst.add_argument("--payer")
    lst.add_argument("--status", help="the screener's status for --payer (or any payer)")
    lst.add_argument("--missing", metavar="KEY", help="cases where KEY is missing for some payer")
    lst.add_argument("--state", choices=("new", "in_review", "done"))
    lst.set_defaults(func=run_list)

    exp = sub.add_parser("export", help="write reviewed cases in the gold format `screener evaluate` reads")
    db_arg(exp)
    exp.add_argument("-o", "--output", required=True, metavar="DIR", help="new (or empty) folder")
    exp.add_argument("--state", default="done", choices=("done", "in_review", "new", "all"),
                     help="which cases (default done)")
    exp.set_defaults(func=run_export)


def _notes_and_kinds(path: Path) -> tuple[dict, dict]:
    if path.is_dir() and (any((p / "case.yaml").is_file() for p in path.iterdir() if p.is_dir())
                          or (path / "cases").is_dir()):
        from ..gold import load_gold

        notes, kinds = {}, {}
        for case in load_gold(path):
            for gn in case.notes:
                notes[gn.note.note_id] = gn.note
                kinds[gn.note.note_id] = gn.kind
        return notes, kinds
    from ..io import read_notes
    from ..report.cases import split_items

    _, _, notes = split_items(read_notes(path))
    return notes, {}


def run_load(args: argparse.Namespace) -> int:
    from ..io.writers import read_records
    from ..worklist.db import open_database, safe_url
    from ..worklist.store import load_cases

    results = Path(args.results)
    if not results.is_file():
        raise InputError(f"{results}: no such results file")
    notes, kinds = _notes_and_kinds(Path(args.notes))
    records = read_records(results, as_written=True)
    engine = open_database(args.db)
    summary = load_cases(engine, records, notes, source=results.name, kinds=kinds)
    for line in summary.skipped:
        print(f"screener: skipped {line}", file=sys.stderr)
    print(f"screener: {summary.loaded} case(s) loaded, {summary.replaced} re-screened in place, "
          f"{len(summary.skipped)} skipped -> {safe_url(str(engine.url))}", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..worklist.db import open_database
    from ..worklist.store import worklist

    rows = worklist(open_database(args.db), payer=args.payer, status=args.status, missing=args.missing, state=args.state)
    print("patient_id\tstate\tdecisions\tstatuses\tmissing")
    for r in rows:
        statuses = " ".join(f"{p}={s}" for p, s in r["statuses"].items())
        print(f"{r['patient_id']}\t{r['state']}\t{r['decisions']}\t{statuses}\t{','.join(r['missing'])}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from ..worklist.db import open_database
    from ..worklist.store import export_gold

    ids = export_gold(open_database(args.db), Path(args.output), state=None if args.state == "all" else args.state)
    print(f"screener: {len(ids)} case(s) written to {args.output} (gold format; `screener evaluate {args.output}`)",
          file=sys.stderr)
    return 0
