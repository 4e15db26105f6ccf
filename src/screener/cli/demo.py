"""``screener demo [--out DIR]`` (what ``make demo`` runs).

Screens the bundled sample chart extract (``sample_notes/``, see
``screener.io.samples``) with the same bulk runner as ``screener screen`` and writes:

- ``DIR/extract.jsonl``: the sample extract, in the input format of contract.md;
- ``DIR/results.jsonl``: one record per case (contract.md, "Output");
- ``DIR/report.html``: the review page (``screener.report.write_report``).

No arguments needed, no network.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="screen the bundled sample chart extract; writes results.jsonl and report.html")
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder (default out/demo)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: up to 2; 0 = in this process)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = run_demo(args.out, workers=args.workers, report=not args.no_report)
    for name, path in paths.items():
        if name != "summary":
            print(f"{name}: {path}")
    return 0


def run_demo(out: Path | str, *, workers: int | None = None, report: bool = True, screen_fn=None) -> dict:
    """Write the demo's files under ``out``; returns their paths (and the run summary)."""
    from ..bulk import default_workers, screen_file
    from ..io.samples import note_to_dict, sample_extract
    from ..io.writers import atomic_path, read_records

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes = sample_extract()
    extract = out / "extract.jsonl"
    with atomic_path(extract) as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            for note in notes:
                handle.write(json.dumps(note_to_dict(note), ensure_ascii=False) + "\n")
    results = out / "results.jsonl"
    if workers is None:
        workers = min(2, default_workers())
    summary = screen_file(extract, results, workers=workers, screen_fn=screen_fn)
    print(summary.format())
    paths = {"extract": extract, "results": results, "summary": summary}
    if report:
        from ..report import write_report

        records = read_records(results)
        paths["report"] = Path(write_report(records, {n.note_id: n for n in notes}, out / "report.html"))
    return paths
