"""Throughput benchmark (issue 4, item 5): ratios against baselines measured in the same run.

In one process and on the same notes it measures tokens/s of

(a) spaCy's blank English tokenizer (``spacy.blank("en")``, ``make_doc``): the floor for
    anything that builds a Doc;
(b) medspaCy's default pipeline (``medspacy.load()``) with the screener's target rules
    added to its target matcher;
(c) the full screener: findings plus determinations for all payers
    (``screener.pipeline.screen_case``), each case's notes together;

and prints tokens/s for each and the ratios screener/blank and screener/medspacy.
Tokens are counted once, with the blank tokenizer.

The blank baseline of each corpus is a fresh ``spacy.blank("en")`` that has read the same
notes once, so one corpus never warms the baseline of another. spaCy's tokenizer caches
a word's tokens only when no special case came before it in its Doc (``has_special`` in
tokenizer.pyx), and a line break is a special case: a fresh tokenizer caches next to
nothing of notes that start with a header line, while one that has read other text first
has those words cached and is faster on them. The latter is printed too (``blank*``: the
shared tokenizer, after it has read every corpus). Corpora: the MTSamples transcriptions
(``--mtsamples``) and a generated chart extract (``benchmarks/make_extract.py``, 20,000
notes; a sample of it is timed in-process).

Then, through the bulk runner (``screener.bulk.screen_file``): the scaling table (notes/s
with 1, 2, 4, 8, 16 workers as the machine has cores, steady and end to end, the parent's
share of the CPU), the whole ``screener screen --workers 1`` process against the blank
tokenizer on the same notes, the output bytes per input byte of each record shape, and peak
memory of ``screener screen`` on a 200,000-note input vs a 20,000-note input (max RSS of
the process tree: the largest single process from ``getrusage(RUSAGE_CHILDREN)``, and the
sum over the tree sampled every 0.5 s).

    python benchmarks/throughput.py            # everything (the memory step takes a while)
    python benchmarks/throughput.py --quick    # small samples, 2,000 vs 20,000 notes for memory
    python benchmarks/throughput.py --only tokens,workers

Figures are noisy on a shared machine: rerun and compare ratios, not absolute numbers.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
DEFAULT_MTSAMPLES = REPO / "data" / "mtsamples" / "mtsamples_first321.csv"
STEPS = ("tokens", "workers", "memory")
OPTIONAL_STEPS = ("spark",)  # needs pyspark and Java: run with --only spark


def silence() -> None:
    """PyRuSH logs every sentence (note text) through loguru at DEBUG."""
    with contextlib.suppress(Exception):
        from loguru import logger

        logger.remove()
        logger.disable("PyRuSH")
    import logging

    logging.getLogger("PyRuSH").setLevel(logging.WARNING)


# --------------------------------------------------------------------------- corpora


def mtsamples_notes(path: Path, limit: int):
    from screener.model import Note

    csv.field_size_limit(2**31 - 1)
    notes = []
    with open(path, encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            text = (row.get("transcription") or "").strip()
            if text:
                notes.append(Note(patient_id=f"MT{i}", note_id=f"MT{i}", text=text))
            if len(notes) >= limit:
                break
    return notes


def extract_file(n_notes: int, folder: Path, grouped: bool = False) -> Path:
    import make_extract

    path = folder / f"extract-{n_notes}{'-grouped' if grouped else ''}.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        make_extract.write(path, make_extract.generate(n_notes, grouped=grouped))
        print(f"  generated {path} ({n_notes} notes, {time.perf_counter() - t0:.1f}s)", flush=True)
    return path


def extract_notes(path: Path, limit: int):
    """The first ``limit`` notes of complete patients (the sample is cut at case ends)."""
    from screener.io import read_notes
    from screener.model import Note

    by_patient: dict[str, list] = defaultdict(list)
    for i, note in enumerate(read_notes(path)):
        if i >= limit * 3:
            break
        if isinstance(note, Note):
            by_patient[note.patient_id].append(note)
    notes = []
    for case in by_patient.values():
        if len(notes) >= limit:
            break
        notes.extend(case)
    return notes


def cases_of(notes) -> list[list]:
    grouped: dict[str, list] = defaultdict(list)
    for note in notes:
        grouped[note.patient_id].append(note)
    return list(grouped.values())


# --------------------------------------------------------------------------- engines


def timed(fn, items, min_seconds: float = 1.0) -> float:
    """Seconds per pass over ``items`` (repeated until ``min_seconds`` have passed)."""
    passes, start = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / passes


def medspacy_target_rules():
    """The screener's target rules as medspaCy ``TargetRule``s: from
    ``screener.extraction`` if it offers them, else converted from the screener's regex
    rules (``TargetRule(literal=rule id, category=finding key, pattern=regex)``)."""
    import importlib

    for module, name in (("screener.extraction", "medspacy_target_rules"), ("screener.extraction", "target_rules"),
                         ("screener.nlp", "medspacy_target_rules"), ("screener.nlp.rules", "medspacy_target_rules")):
        with contextlib.suppress(ImportError, AttributeError):
            rules = getattr(importlib.import_module(module), name)()
            if rules:
                return list(rules), f"{module}.{name}()"
    from medspacy.target_matcher import TargetRule

    from screener.nlp.rules import default_rules

    rules = [TargetRule(literal=r.id, category=r.key.upper(), pattern=r.regex.pattern) for r in default_rules().targets]
    return rules, "screener.nlp.rules.default_rules() converted to regex TargetRules"


def count_tokens(blank, texts) -> int:
    return sum(len(blank.make_doc(t)) for t in texts)


def bench_tokens(corpora: dict, args) -> list[dict]:
    import medspacy
    import spacy

    from screener.pipeline import screen_case

    silence()
    blank = spacy.blank("en")
    t0 = time.perf_counter()
    med = medspacy.load()
    rules, origin = medspacy_target_rules()
    med.get_pipe("medspacy_target_matcher").add(rules)
    print(f"  medspaCy pipeline: {med.pipe_names}, {len(rules)} target rules from {origin} "
          f"(loaded in {time.perf_counter() - t0:.1f}s)", flush=True)
    t0 = time.perf_counter()
    for case in cases_of(corpora[next(iter(corpora))][:3]):  # build the screener's pipeline once
        screen_case(case)
    print(f"  screener pipeline warm-up {time.perf_counter() - t0:.1f}s", flush=True)

    results = []
    tokens_of = {name: count_tokens(blank, [n.text for n in notes]) for name, notes in corpora.items()}
    for name, notes in corpora.items():
        texts = [n.text for n in notes]
        tokens = tokens_of[name]
        # the baseline: a fresh blank tokenizer per corpus, warmed by one pass over the same
        # notes (module docstring: why a tokenizer's speed depends on what it read before)
        fresh = spacy.blank("en")
        for text in texts:
            fresh.make_doc(text)
        blank_s = timed(fresh.make_doc, texts)
        shared_s = timed(blank.make_doc, texts)  # has read every corpus
        # medspaCy is slow (~10k tokens/s): time it on a capped prefix of the same notes
        med_texts, med_tokens = [], 0
        for text in texts:
            med_texts.append(text)
            med_tokens += len(blank.make_doc(text))
            if med_tokens >= args.medspacy_tokens:
                break
        med_s = timed(med, med_texts, min_seconds=0.0)
        cases = cases_of(notes)
        screen_s = timed(screen_case, cases, min_seconds=0.0)
        row = {
            "corpus": name, "notes": len(notes), "cases": len(cases), "tokens": tokens,
            "blank_tps": tokens / blank_s, "blank_read_all_tps": tokens / shared_s,
            "medspacy_tps": med_tokens / med_s, "medspacy_tokens": med_tokens,
            "screener_tps": tokens / screen_s, "screener_notes_per_s": len(notes) / screen_s,
        }
        row["screener_vs_blank"] = row["screener_tps"] / row["blank_tps"]
        row["screener_vs_blank_read_all"] = row["screener_tps"] / row["blank_read_all_tps"]
        row["screener_vs_medspacy"] = row["screener_tps"] / row["medspacy_tps"]
        results.append(row)
        print(f"  {name}: {len(notes)} notes / {len(cases)} cases, {tokens} tokens "
              f"(medspaCy timed on {len(med_texts)} notes, {med_tokens} tokens)", flush=True)
    return results


_BURN = "import time\nt=time.time(); c=time.process_time()\nwhile time.time()-t<2: pass\nprint(time.process_time()-c)"


def available_cores(n: int = 2) -> float:
    """CPU seconds per second that ``n`` busy processes get right now (2.0 = two idle
    cores): on a shared machine two workers cannot beat what the machine gives them."""
    procs = [subprocess.Popen([sys.executable, "-c", _BURN], stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return sum(float(p.communicate()[0]) for p in procs) / 2.0


def _worker_counts(spec: str | None) -> list[int]:
    """1, 2, 4, 8, 16 as far as the machine has cores (or ``--worker-counts``)."""
    if spec:
        return [int(x) for x in spec.split(",") if x.strip()]
    cores = os.cpu_count() or 1
    return [n for n in (1, 2, 4, 8, 16) if n <= max(cores, 2)]


def bench_workers(path: Path, args) -> dict:
    """The scaling table of the bulk runner on the same extract: notes/s per worker count
    (end to end and steady), the parent's share of the CPU, the whole ``screener screen
    --workers 1`` process against the blank tokenizer on the same notes, and the output
    bytes per input byte of each record shape."""
    import spacy

    from screener.bulk import screen_file
    from screener.io.shapes import expand, shape
    from screener.io.writers import write_lines

    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    blank = spacy.blank("en")
    tokens = count_tokens(blank, texts)
    blank_tps = tokens / timed(lambda t: blank.make_doc(t), texts)
    input_bytes = path.stat().st_size
    out: dict = {"available_cores_before": available_cores(), "input_bytes": input_bytes, "tokens": tokens,
                 "blank_tps": blank_tps, "rows": []}
    print(f"  {len(texts)} notes, {tokens} tokens, {input_bytes} bytes; blank tokenizer {blank_tps:,.0f} tokens/s; "
          f"CPU available to 2 busy processes: {out['available_cores_before']:.2f} cores", flush=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for workers in _worker_counts(args.worker_counts):  # each a fresh process: start-up included
            run = Path(tmp) / f"w{workers}.json"
            result = Path(tmp) / f"w{workers}.jsonl"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "screener", "screen", str(path), "-o", str(result), "--workers",
                            str(workers), "--no-progress", "--summary-json", str(run)], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            summary = json.loads(run.read_text(encoding="utf-8"))
            parent, kids = summary["parent_cpu_seconds"], summary["worker_cpu_seconds"]
            row = {"workers": workers, "notes": summary["notes"], "seconds": wall,
                   "end_to_end_notes_per_s": summary["notes"] / wall,
                   "steady_notes_per_s": summary["steady_notes_per_s"],
                   "parent_cpu_share": parent / (parent + kids) if parent + kids else 0.0,
                   "parent_busy": parent / wall, "output_bytes": summary["output_bytes"]}
            out["rows"].append(row)
            print(f"  --workers {workers}: {summary['notes']} notes in {wall:.1f}s (whole process), steady "
                  f"{summary['steady_notes_per_s']:.1f} notes/s; parent {row['parent_busy']:.0%} busy", flush=True)
            if workers == 1:
                out["whole_process_workers_1"] = {"seconds": wall, "tokens_per_s": tokens / wall,
                                                  "vs_blank": tokens / wall / blank_tps}
        full = Path(tmp) / "full.jsonl"  # the record shapes, from one run's full records
        screen_file(path, full, workers=max(_worker_counts(args.worker_counts)), progress=False, detail="full")
        records = [expand(json.loads(line)) for line in full.read_text(encoding="utf-8").splitlines()]
        out["output_bytes"] = {d: sum(len(json.dumps(shape(r, d), ensure_ascii=False, separators=(",", ":"))) + 1
                                      for r in records) for d in ("summary", "standard", "full")}
        out["output_bytes"]["version 1 (before shapes)"] = sum(
            len(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) + 1 for r in records)
        for d in ("summary", "standard"):  # the same records as Parquet (one row per case x payer, zstd)
            parquet = Path(tmp) / f"{d}.parquet"
            write_lines((json.dumps(shape(r, d), ensure_ascii=False) for r in records), parquet, "parquet")
            out["output_bytes"][f"{d} parquet"] = parquet.stat().st_size
    out["available_cores_after"] = available_cores()
    first = out["rows"][0]
    for row in out["rows"]:
        row["steady_vs_1"] = row["steady_notes_per_s"] / first["steady_notes_per_s"]
        row["end_to_end_vs_1"] = row["end_to_end_notes_per_s"] / first["end_to_end_notes_per_s"]
    return out


# --------------------------------------------------------------------------- memory


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    return total


def measure(cmd: list[str]) -> dict:
    """Run ``cmd``; its peak memory (KiB): the largest process (RUSAGE_CHILDREN) and the
    largest sampled sum over the process tree. Run in a fresh process (see --_measure)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = 0
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    return {
        "returncode": proc.returncode, "seconds": time.perf_counter() - start,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "peak_tree_rss_kb": peak_tree, "stdout_tail": stdout[-600:], "stderr_tail": stderr[-600:],
    }


def bench_memory(sizes: list[int], args) -> dict:
    out = {}
    for n in sizes:
        path = extract_file(n, args.workdir)
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            cmd = [sys.executable, "-c", "import sys; from screener.cli import main; sys.exit(main())",
                   "screen", str(path), "-o", str(Path(tmp) / "out.jsonl"), "--workers", str(args.memory_workers),
                   "--no-progress"]
            if args.memory_screen_fn:
                cmd += ["--screen-fn", args.memory_screen_fn]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
            result = json.loads(subprocess.run([sys.executable, __file__, "--_measure", json.dumps(cmd)],
                                               capture_output=True, text=True, check=True, env=env).stdout)
        out[n] = result
        print(f"  {n} notes: max RSS {result['max_rss_kb'] / 1024:.0f} MiB (largest process), "
              f"tree peak {result['peak_tree_rss_kb'] / 1024:.0f} MiB, {result['seconds']:.0f}s, rc {result['returncode']}",
              flush=True)
        if result["returncode"] != 0:
            print(result["stderr_tail"], file=sys.stderr)
    small, large = sizes[0], sizes[-1]
    out["ratio_max_rss"] = out[large]["max_rss_kb"] / out[small]["max_rss_kb"]
    out["ratio_tree"] = out[large]["peak_tree_rss_kb"] / max(1, out[small]["peak_tree_rss_kb"])
    return out


# --------------------------------------------------------------------------- report


def report(results: dict) -> str:
    lines = []
    if "tokens" in results:
        lines.append("tokens/s (one process, same notes)")
        lines.append(f"  {'corpus':<16}{'tokens':>9}{'blank':>12}{'medspaCy':>11}{'screener':>11}"
                     f"{'scr/blank':>11}{'scr/medspaCy':>14}{'scr/blank*':>12}")
        for r in results["tokens"]:
            lines.append(f"  {r['corpus']:<16}{r['tokens']:>9}{r['blank_tps']:>12,.0f}{r['medspacy_tps']:>11,.0f}"
                         f"{r['screener_tps']:>11,.0f}{r['screener_vs_blank']:>11.2f}x{r['screener_vs_medspacy']:>13.1f}x"
                         f"{r['screener_vs_blank_read_all']:>11.2f}x")
        lines.append("  blank: a fresh spacy.blank('en') per corpus, after one pass over the same notes")
        lines.append("  blank*: one that has read every corpus first (spaCy caches a word's tokens only when no "
                     "special case came before it in its Doc, so its speed depends on what it read before)")
        lines.append("  targets: screener >= 0.5x blank, >= 10x medspaCy")
    if "workers" in results:
        w = results["workers"]
        lines.append(f"bulk runner scaling ({w['rows'][0]['notes']} notes of the generated extract; each run a whole "
                     "`screener screen` process; steady = after the first results)")
        lines.append(f"  {'workers':>7}{'notes/s':>10}{'steady':>10}{'vs 1':>8}{'steady vs 1':>13}{'parent CPU':>12}{'parent busy':>13}")
        for r in w["rows"]:
            lines.append(f"  {r['workers']:>7}{r['end_to_end_notes_per_s']:>10.1f}{r['steady_notes_per_s']:>10.1f}"
                         f"{r['end_to_end_vs_1']:>7.2f}x{r['steady_vs_1']:>12.2f}x{r['parent_cpu_share']:>12.1%}"
                         f"{r['parent_busy']:>13.1%}")
        lines.append(f"  targets: 2 workers >= 1.9x one; 16 workers >= 10x one (where 16 cores are lent); CPU available "
                     f"to two processes {w['available_cores_before']:.2f} / {w['available_cores_after']:.2f} cores (before / after)")
        p = w["whole_process_workers_1"]
        lines.append(f"  whole process, screener screen --workers 1: {p['seconds']:.1f}s, {p['tokens_per_s']:,.0f} tokens/s = "
                     f"{p['vs_blank']:.2f}x the blank tokenizer ({w['blank_tps']:,.0f} tokens/s; target >= 0.5x)")
        sizes = w["output_bytes"]
        lines.append("  output bytes per input byte: " + ", ".join(
            f"{name} {size / w['input_bytes']:.2f}x" for name, size in sizes.items())
            + " (targets: standard <= 2x, summary <= 0.1x)")
    if "memory" in results:
        m = results["memory"]
        sizes = [k for k in m if isinstance(k, int)]
        lines.append(f"peak memory, {sizes[-1]} vs {sizes[0]} notes: largest process "
                     f"{m[sizes[-1]]['max_rss_kb'] / 1024:.0f} vs {m[sizes[0]]['max_rss_kb'] / 1024:.0f} MiB "
                     f"({m['ratio_max_rss']:.2f}x); process tree {m[sizes[-1]]['peak_tree_rss_kb'] / 1024:.0f} vs "
                     f"{m[sizes[0]]['peak_tree_rss_kb'] / 1024:.0f} MiB ({m['ratio_tree']:.2f}x); target <= 1.5x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Throughput benchmark: screener vs blank tokenizer vs medspaCy")
    ap.add_argument("--quick", action="store_true", help="small samples (a minute or two)")
    ap.add_argument("--only", default=",".join(STEPS),
                    help=f"comma-separated steps: {', '.join(STEPS + OPTIONAL_STEPS)} (spark only when named)")
    ap.add_argument("--spark-cores", default="1,2", help="local[N] runs of the spark step (e.g. 1,2,16)")
    ap.add_argument("--spark-notes", type=int, default=4000, help="generated notes for the spark step")
    ap.add_argument("--mtsamples", type=Path, default=DEFAULT_MTSAMPLES, help="MTSamples CSV (column transcription)")
    ap.add_argument("--extract-notes", type=int, default=20000, help="size of the generated extract (>= 20000)")
    ap.add_argument("--sample-notes", type=int, default=None, help="notes per corpus timed in-process (default 1500; quick 300)")
    ap.add_argument("--medspacy-tokens", type=int, default=None, help="medspaCy is timed on this many tokens (default 40000; quick 8000)")
    ap.add_argument("--workers-notes", type=int, default=None, help="notes for the workers step (default 3000; quick 600)")
    ap.add_argument("--worker-counts", default=None, help="worker counts of the scaling table (default 1,2,4,8,16 up to the cores)")
    ap.add_argument("--memory-sizes", default=None, help="notes in the two memory runs (default 20000,200000; quick 2000,20000)")
    ap.add_argument("--memory-workers", type=int, default=2)
    ap.add_argument("--memory-screen-fn", default=None, help="module:function instead of screen_case for the memory runs")
    ap.add_argument("--workdir", type=Path, default=REPO / "out" / "bench", help="generated extracts and temporary outputs")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    ap.add_argument("--_measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._measure:
        print(json.dumps(measure(json.loads(args._measure))))
        return 0
    quick = args.quick
    args.sample_notes = args.sample_notes or (300 if quick else 1500)
    args.medspacy_tokens = args.medspacy_tokens or (8000 if quick else 40000)
    args.workers_notes = args.workers_notes or (600 if quick else 3000)
    sizes = [int(s) for s in (args.memory_sizes or ("2000,20000" if quick else "20000,200000")).split(",")]
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    args.workdir.mkdir(parents=True, exist_ok=True)
    silence()

    results: dict = {}
    started = time.perf_counter()
    print(f"benchmark: {', '.join(steps)}{' (quick)' if quick else ''}; cpu cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews the figures)", flush=True)
    extract = extract_file(max(args.extract_notes, 20000), args.workdir)
    if "tokens" in steps:
        print("tokens/s ...", flush=True)
        corpora = {"mtsamples": mtsamples_notes(args.mtsamples, args.sample_notes),
                   "generated": extract_notes(extract, args.sample_notes)}
        results["tokens"] = bench_tokens(corpora, args)
    if "workers" in steps:
        print("workers ...", flush=True)
        sample = args.workdir / f"extract-{args.workers_notes}-sample.jsonl"
        if not sample.exists():
            import make_extract

            make_extract.write(sample, make_extract.generate(args.workers_notes, seed=11))
        results["workers"] = bench_workers(sample, args)
    if "memory" in steps:
        print("memory ...", flush=True)
        results["memory"] = bench_memory(sizes, args)
    if "spark" in steps:
        print("spark (notes/s per local[N], benchmarks/spark_throughput.py) ...", flush=True)
        import spark_throughput

        spark_throughput.main(["--notes", str(args.spark_notes), "--cores", args.spark_cores])
    print()
    print(report(results))
    print(f"(total {time.perf_counter() - started:.0f}s; command: python benchmarks/throughput.py "
          f"{' '.join(argv if argv is not None else sys.argv[1:])})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
