"""``screener spark-screen INPUT -o OUTPUT --master local[*]``: the bulk screening as a Spark job.

For users without Spark code of their own (issue 7): reads ``.parquet`` or ``.jsonl``
notes, screens them with :func:`screener.spark.screen_records` /
:func:`screener.spark.screen_dataframe` and writes one file in the same shape as
``screener screen`` (jsonl records, or flattened parquet rows). pyspark is imported only
when the command runs, so the core install (without the ``spark`` extra) still builds
the parser.
"""
from __future__ import annotations

import argparse
import sys
import time

# The same option checks as `screener screen`, so both commands accept the same values.
from .screen import _date, _payers, _size


def _key_value(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    return key.strip(), val


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "spark-screen",
        help="screen a chart extract as an Apache Spark job (needs screener[spark] and Java 17/21)",
        description=(
            "Screen notes with Apache Spark: one case per patient_id, the same records as "
            "`screener screen`. INPUT and OUTPUT are .parquet or .jsonl; OUTPUT is one file "
            "(jsonl: one JSON record per case; parquet: one row per case and payer) unless "
            "--as-directory asks for Spark's folder of part files."
        ),
    )
    parser.add_argument("input", metavar="INPUT", help="notes: .parquet (file or folder) or .jsonl")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="results: .jsonl or .parquet")
    parser.add_argument("--master", default="local[*]", help="Spark master URL (default: local[*])")
    parser.add_argument("--payers", type=_payers, default=None, help="comma-separated payer ids (default: all)")
    parser.add_argument(
        "--service-date", type=_date, default=None,
        help="default service date, YYYY-MM-DD (picks the policy version; default today)",
    )
    parser.add_argument(
        "--max-note-bytes", type=_size, default=None,
        help="notes larger than this are error rows (default 2MB; accepts 500k, 10MB)",
    )
    parser.add_argument(
        "--partitions", type=int, default=None,
        help="partitions the cases are spread over (default: 4 x the cores)",
    )
    parser.add_argument("--detail", choices=("summary", "standard", "full"), default="standard",
                        help="record shape, as `screener screen --detail` (docs/bulk.md)")
    parser.add_argument("--driver-memory", default="2g", help="spark.driver.memory (default: 2g)")
    parser.add_argument(
        "--as-directory", action="store_true",
        help="write Spark's folder of part files at OUTPUT instead of one file (for cluster storage)",
    )
    parser.add_argument(
        "--conf", type=_key_value, action="append", default=[], metavar="KEY=VALUE",
        help="extra Spark configuration (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import spark as screener_spark

    started = time.perf_counter()
    active = _active_session()
    session = active or screener_spark.local_session(
        args.master, driver_memory=args.driver_memory, conf=dict(args.conf)
    )
    try:
        notes = screener_spark.read_notes(session, args.input, max_note_bytes=args.max_note_bytes)
        counts = screener_spark.write_results(
            notes,
            args.output,
            payers=args.payers,
            service_date=args.service_date,
            num_partitions=args.partitions,
            max_note_bytes=args.max_note_bytes,
            as_directory=args.as_directory,
            detail=args.detail,
        )
    finally:
        if active is None:  # stop only a session this command started
            session.stop()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{value} {key}" for key, value in counts.items()) or "done"
    print(f"spark-screen: {summary}; wrote {args.output} in {elapsed:.1f}s", file=sys.stderr)
    return 0


def _active_session():
    """The SparkSession already running in this process (tests, notebooks), if any."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()
