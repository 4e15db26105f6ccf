"""Spark throughput: notes/s of ``screener.spark.screen_dataframe`` in local[N] (issue 7).

Runs, in one process and on the same generated chart extract:

1. a baseline: the bulk runner's per-case step in this process, one core, no Spark
   (``screener.bulk._screen_one`` on the first ``--baseline-notes`` notes' cases);
2. for each N of ``--cores`` (default ``1,2``; add 16 on a 16-core machine): a fresh
   ``local[N]`` session that reads the extract (parquet), screens it with
   ``screen_dataframe`` and evaluates every row (Spark's ``noop`` sink), timed end to end
   (Python worker start-up and pipeline build included).

It prints notes/s for each and the ratios (to local[1] and to the baseline); no figure
is asserted anywhere. The extract comes from ``benchmarks/make_extract.py`` (reused, not
copied); pass ``--extract`` to screen an existing ``.parquet`` of notes instead.

    .venv/bin/python benchmarks/spark_throughput.py --notes 2000 --cores 1,2
    .venv/bin/python benchmarks/spark_throughput.py --notes 20000 --cores 1,2,16
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _make_extract(path: Path, notes: int, seed: int) -> Path:
    spec = importlib.util.spec_from_file_location("make_extract", HERE / "make_extract.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(path, module.generate(notes, seed=seed))
    return path


def _baseline(extract: Path, notes: int) -> tuple[int, float]:
    """(notes, seconds) for whole cases of the first ``notes`` rows, screened serially here."""
    import pyarrow.parquet as pq

    from screener.bulk import _default_screen_fn, _screen_one
    from screener.spark import worker_screener

    rows = pq.read_table(extract).slice(0, notes).to_pylist()
    cases: dict[str, list[tuple]] = {}
    for r in rows:
        cases.setdefault(r["patient_id"], []).append(
            (r["patient_id"], r["note_id"], r["text"], r.get("note_date"), r.get("request_type"),
             r.get("service_date"), None, None)
        )
    worker_screener()  # build the pipeline before the clock starts
    screen = _default_screen_fn()
    started = time.perf_counter()
    for case in cases.items():
        _screen_one(case, screen, None, None)
    return len(rows), time.perf_counter() - started


def _spark_run(extract: Path, cores: int, partitions_per_core: int, driver_memory: str) -> tuple[int, float]:
    from screener.spark import local_session, screen_dataframe

    spark = local_session(
        f"local[{cores}]", app_name=f"screener-bench-{cores}", driver_memory=driver_memory,
        shuffle_partitions=max(1, cores * partitions_per_core),
    )
    try:
        notes = spark.read.parquet(str(extract))
        count = notes.count()
        started = time.perf_counter()
        flat = screen_dataframe(notes, num_partitions=max(1, cores * partitions_per_core))
        flat.write.format("noop").mode("overwrite").save()
        return count, time.perf_counter() - started
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=2000, help="notes in the generated extract (default 2000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--extract", type=Path, default=None, help="screen this .parquet of notes instead")
    ap.add_argument("--cores", default="1,2", help="comma-separated N for local[N] (default 1,2)")
    ap.add_argument("--baseline-notes", type=int, default=300, help="notes for the in-process baseline (default 300)")
    ap.add_argument("--partitions-per-core", type=int, default=4, help="case partitions per core (default 4)")
    ap.add_argument("--driver-memory", default="2g")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here as JSON")
    args = ap.parse_args(argv)
    cores = [int(c) for c in args.cores.split(",") if c.strip()]
    if max(cores) > (os.cpu_count() or 1):
        print(f"note: local[{max(cores)}] on a machine with {os.cpu_count()} cores", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="screener-spark-bench-") as tmp:
        extract = args.extract or _make_extract(Path(tmp) / "extract.parquet", args.notes, args.seed)
        load = os.getloadavg()[0]
        base_notes, base_s = _baseline(extract, args.baseline_notes)
        base_rate = base_notes / base_s
        print(f"machine: {os.cpu_count()} cores; extract: {extract if args.extract else f'{args.notes} generated notes'}")
        print("(load = 1-minute load average before the run: other work on the machine skews the figures)")
        print(f"{'run':<22} {'notes':>7} {'seconds':>8} {'notes/s':>9} {'x local[1]':>10} {'x baseline':>10} {'load':>5}")
        print(f"{'baseline (no Spark)':<22} {base_notes:>7} {base_s:>8.1f} {base_rate:>9.1f} {'':>10} {1.0:>10.2f} {load:>5.1f}")
        results = {"cpu_count": os.cpu_count(), "baseline": {"notes": base_notes, "seconds": base_s, "load": load}}
        one = None
        for n in cores:
            load = os.getloadavg()[0]
            count, seconds = _spark_run(extract, n, args.partitions_per_core, args.driver_memory)
            rate = count / seconds
            one = one or (rate if n == 1 else None)
            vs_one = f"{rate / one:.2f}" if one else "-"
            print(f"{f'spark local[{n}]':<22} {count:>7} {seconds:>8.1f} {rate:>9.1f} {vs_one:>10} {rate / base_rate:>10.2f} {load:>5.1f}")
            results[f"local[{n}]"] = {"notes": count, "seconds": seconds, "load": load}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
