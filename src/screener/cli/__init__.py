"""``screener`` command line: thin wrappers over functions that return data.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (taking the parsed
args, returning an exit code).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

SUBCOMMAND_MODULES = (
    "screen",     # screener screen INPUT -o OUTPUT
    "demo",       # screener demo
    "extract",    # screener extract NOTE.txt (one note's findings, for debugging rules)
    "rules",      # screener rules check | show PAYER | questionnaire PAYER
    "evaluate",   # screener evaluate GOLD_DIR
    "report",     # screener report INPUT -o report.html
    "serve",      # screener serve
    "spark",      # screener spark-screen INPUT -o OUTPUT
    "fhir",       # screener fhir bundle INPUT -o OUTPUT.json
    "schema",     # screener schema [summary|standard|full|error]
    "worklist",   # screener worklist load|list|export
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="screener",
        description="Screen clinical notes against payer criteria for intrathecal drug delivery systems.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at INFO (never note text)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..cpu_only import keep_gpu_libraries_out

    keep_gpu_libraries_out()  # before any subcommand imports spaCy
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from ..errors import ScreenerError

    try:
        return int(args.func(args) or 0)
    except ScreenerError as exc:
        print(f"screener: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("screener: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
