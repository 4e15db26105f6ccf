"""Bulk screening: a chart extract in, one record per case out (issue 4; contract.md).

``screen_file(input, output)`` runs in three steps:

1. **Spill.** ``screener.io.read_notes`` streams the input; every readable note goes into
   a temporary SQLite file beside the output (``.OUTPUT.spill-*``), every unreadable one
   straight to the output as an error row. SQLite groups the notes by ``patient_id``
   whatever their order in the input, turns a repeated ``note_id`` into an E206 row (the
   first copy wins), counts the notes (for the progress bar's ETA) and keeps memory
   bounded: nothing but the current batch of cases is held in memory, however large
   the input. Cases come back in the order their patient first appears in the input.
2. **Screen.** Cases go, a few at a time, to a pool of worker processes (``--workers``,
   default: all cores; ``0`` screens in this process). The pipeline is built in this
   process before the pool forks, so the workers share it from their first case (with
   the ``spawn`` start method, or a custom screen function, each worker builds its own);
   workers return finished JSON lines in the record shape asked for (``--detail``,
   ``screener.io.shapes``), so this process only writes. A worker exits when this process
   dies, however it dies (``die_with_parent``). At most
   ``4 x workers`` batches are in flight (bounded memory). A case whose screening raises
   becomes E209 error rows (one per note); a worker that dies (segfault, out of memory,
   ``os._exit``) breaks the pool: the pool is rebuilt, the cases that were in flight are
   retried one at a time, and the one that kills its worker again becomes E210 rows.
   A case that runs longer than ``case_timeout`` seconds (``--case-timeout``, default
   300) becomes E211 rows: an alarm in the worker stops it and the worker goes on with the
   next case. A worker stuck where the alarm cannot reach it (inside C code that never
   returns) is killed by the parent's watchdog and handled like a dead worker.
3. **Write.** Records are appended to ``OUTPUT.partial.jsonl`` as they finish (the
   checkpoint); at the end the partial file becomes ``OUTPUT`` (converted to csv /
   parquet if asked) through a temporary file and ``os.replace``, so ``OUTPUT`` is never
   half-written. ``resume=True`` keeps the partial file of an interrupted run (checked
   against ``OUTPUT.resume.json``: same input, same options) and screens only the cases
   and error rows it does not hold yet.

The screening function is injectable (``screen_fn``, default
``screener.pipeline.screen_case``): it takes ``(notes, payers=..., service_date=...)`` and
returns the contract's case record.
"""
from __future__ import annotations

import collections
import contextlib
import json
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .cpu_only import keep_gpu_libraries_out
from .errors import InputError
from .io.errors import E_CASE_TIMEOUT, E_DUPLICATE, E_SCREEN_FAILED, E_WORKER_CRASHED, error_row
from .io.flatten import json_default, record_json
from .io.shapes import DEFAULT_DETAIL, DETAILS, shape
from .io.readers import DEFAULT_MAX_NOTE_BYTES, read_notes
from .io.writers import CheckpointWriter, output_format, truncate_partial_line, write_lines
from .model import Note

log = logging.getLogger(__name__)

ScreenFn = Callable[..., dict]
CHECKPOINT_VERSION = 1
TASK_NOTES = 8           # notes per batch sent to a worker (at least one whole case)
WINDOW_PER_WORKER = 4    # batches in flight per worker
DEFAULT_CASE_TIMEOUT = 300.0  # seconds one case may take (a typical case takes milliseconds)
WATCHDOG_GRACE = 30.0    # seconds past a batch's case limits before the parent kills its worker

# A case on the wire: (patient_id, [note tuples]); a note tuple is
# (patient_id, note_id, text, note_date, request_type, service_date, warnings_json, source)
NoteRow = tuple
Case = tuple[str, list[NoteRow]]


@dataclass
class BulkSummary:
    """What a run did: counts for the end-of-run summary and for callers."""

    input: str
    output: str
    rows_read: int = 0
    notes: int = 0              # notes screened in this run
    cases: int = 0              # case records written in this run
    error_rows: int = 0         # error rows written in this run
    resumed_records: int = 0    # records kept from the interrupted run (--resume)
    case_status: collections.Counter = field(default_factory=collections.Counter)
    determinations: dict[str, collections.Counter] = field(default_factory=dict)
    error_codes: collections.Counter = field(default_factory=collections.Counter)
    workers: int = 0
    seconds: float = 0.0
    screen_seconds: float = 0.0       # screening step, pool start and pipeline loads included
    steady_notes_per_s: float = 0.0   # after the first results (pipeline loads excluded)
    parent_cpu_seconds: float = 0.0   # this process, the whole run (reading, spilling, writing)
    worker_cpu_seconds: float = 0.0   # the workers it started and reaped
    output_bytes: int = 0

    def add(self, info: dict[str, Any]) -> None:
        if info.get("error"):
            self.error_rows += 1
            self.error_codes[info["error"]] += 1
            return
        self.cases += 1
        self.notes += info.get("notes", 0)
        self.case_status[info.get("status") or "?"] += 1
        for payer, status in (info.get("determinations") or {}).items():
            self.determinations.setdefault(payer, collections.Counter())[status or "?"] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input, "output": self.output, "rows_read": self.rows_read,
            "notes": self.notes, "cases": self.cases, "error_rows": self.error_rows,
            "resumed_records": self.resumed_records, "case_status": dict(self.case_status),
            "determinations": {p: dict(c) for p, c in self.determinations.items()},
            "error_codes": dict(self.error_codes), "workers": self.workers,
            "seconds": round(self.seconds, 3), "screen_seconds": round(self.screen_seconds, 3),
            "steady_notes_per_s": round(self.steady_notes_per_s, 2),
            "parent_cpu_seconds": round(self.parent_cpu_seconds, 3), "worker_cpu_seconds": round(self.worker_cpu_seconds, 3),
            "output_bytes": self.output_bytes,
        }

    def format(self) -> str:
        rate = self.notes / self.screen_seconds if self.screen_seconds > 0 else 0.0
        lines = [
            f"screened {self.cases} cases ({self.notes} notes) from {self.rows_read} input rows "
            f"in {self.seconds:.1f}s ({rate:.1f} notes/s, {self.workers} workers) -> {self.output}",
            f"error rows: {self.error_rows}"
            + (f" ({', '.join(f'{c} x{n}' for c, n in sorted(self.error_codes.items()))})" if self.error_codes else ""),
        ]
        if self.resumed_records:
            lines.append(f"kept from the interrupted run: {self.resumed_records} records")
        if self.case_status and set(self.case_status) != {"ok"}:
            lines.append("case status: " + ", ".join(f"{s} {n}" for s, n in sorted(self.case_status.items())))
        if self.determinations:
            statuses = sorted({s for c in self.determinations.values() for s in c})
            width = max(len(s) for s in statuses)
            lines.append(f"{'determinations':<{width + 2}}" + "".join(f" {p:>8}" for p in self.determinations))
            for status in statuses:
                lines.append(f"  {status:<{width}}" + "".join(
                    f" {self.determinations[p].get(status, 0):>8}" for p in self.determinations))
        return "\n".join(lines)


# --------------------------------------------------------------------------- worker side

_WORKER: dict[str, Any] = {}


def _default_screen_fn() -> ScreenFn:
    from .pipeline import screen_case

    return screen_case


def _init_worker(screen_fn: ScreenFn | None, payers: Sequence[str] | None, service_date: date | None,
                 case_timeout: float | None = None, detail: str = DEFAULT_DETAIL, ignore_sigint: bool = True) -> None:
    """Pool initializer: the pipeline is built once per worker process (``screen_case``
    keeps it in a module-level cache); Ctrl-C is the parent's to handle."""
    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    keep_gpu_libraries_out()
    _silence_third_party_logs()
    _WORKER["screen_fn"] = screen_fn or _default_screen_fn()
    _WORKER["payers"] = list(payers) if payers else None
    _WORKER["service_date"] = service_date
    _WORKER["case_timeout"] = case_timeout
    _WORKER["detail"] = detail


def die_with_parent(poll: float = 1.0) -> None:
    """Make this worker exit when the process that started it dies, however it dies
    (``kill -9``, the OOM killer): on Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``);
    elsewhere, or if that call fails, a daemon thread checks the parent every ``poll``
    seconds. A worker whose parent is already gone exits at once."""
    started_by = multiprocessing.parent_process()
    parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # died before the call above took effect
        os._exit(1)
    if armed:
        return

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="screener-parent-watch", daemon=True).start()


def _silence_third_party_logs() -> None:
    """PyRuSH logs every sentence (note text, PHI) through loguru at DEBUG."""
    with contextlib.suppress(Exception):
        from loguru import logger

        logger.remove()
        logger.disable("PyRuSH")


def _to_note(row: NoteRow) -> Note:
    pid, nid, text, note_date, request_type, service_date = row[:6]
    return Note(
        patient_id=pid,
        note_id=nid,
        text=text,
        note_date=date.fromisoformat(note_date) if note_date else None,
        request_type=request_type,
        service_date=date.fromisoformat(service_date) if service_date else None,
    )


def _where(exc: BaseException) -> str:
    """``file.py:123`` of the innermost frame: locates a failure without quoting data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def _case_error_lines(case: Case, code: str, reason: str) -> list[tuple[str, dict]]:
    pid, rows = case
    out = []
    for row in rows:
        rec = error_row(code, reason, patient_id=pid, note_id=row[1], source=row[7])
        out.append((record_json(rec) + "\n", {"error": code, "patient_id": pid}))
    return out


class CaseTimeout(BaseException):
    """Raised by the per-case alarm. A BaseException, so that no ``except Exception`` on
    the way (in the pipeline or in a custom screen function) can swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``CaseTimeout`` in this thread after ``seconds`` (SIGALRM; CPython's regex
    engine checks for signals too). A no-op without a limit, off the main thread, or on
    a platform without ``setitimer``."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def screen_case_lines(case: Case, screen_fn: ScreenFn, payers, service_date,
                      case_timeout: float | None = None, detail: str = DEFAULT_DETAIL) -> list[tuple[str, dict]]:
    """One case -> its output lines (the case record, or one error row per note) with
    summary info for each. Never raises (except BaseException other than the time limit).

    Shared by the bulk runner's workers and the Spark runner: a case is screened and
    written the same way everywhere. ``case`` is ``(patient_id, [note tuples])``."""
    pid, rows = case
    notes = [_to_note(r) for r in rows]
    try:
        with _time_limit(case_timeout):
            record = screen_fn(notes, payers=payers, service_date=service_date)
        if not isinstance(record, dict):
            raise TypeError(f"screen function returned {type(record).__name__}, not a dict")
        record = dict(record)
        note_ids = [n.note_id for n in notes]
        if set(record.get("note_ids") or ()) != set(note_ids):
            record["note_ids"] = note_ids
        record.setdefault("patient_id", pid)
        record.setdefault("status", "ok")
        warnings = [w for r in rows for w in json.loads(r[6] or "[]")]
        if warnings:
            record["warnings"] = list(record.get("warnings") or ()) + warnings
        line = json.dumps(shape(record, detail), ensure_ascii=False, default=json_default, separators=(",", ":")) + "\n"
    except CaseTimeout:
        return _case_error_lines(case, E_CASE_TIMEOUT, _timeout_reason(case_timeout))
    except Exception as exc:  # the case becomes error rows; the run goes on
        code = getattr(exc, "code", None)
        kind = f"{type(exc).__name__} {code}" if isinstance(code, str) else type(exc).__name__
        return _case_error_lines(case, E_SCREEN_FAILED, f"screening this case failed: {kind} at {_where(exc)}")
    dets = record.get("determinations") or {}
    info = {
        "patient_id": pid,
        "status": record.get("status"),
        "notes": len(notes),
        "determinations": {p: (d or {}).get("status") for p, d in dets.items()},
    }
    return [(line, info)]


def _timeout_reason(case_timeout: float | None) -> str:
    return f"screening this case took longer than the time limit ({case_timeout:g}s, --case-timeout)"


def _screen_batch(batch: list[Case]) -> list[tuple[str, dict]]:
    """Worker entry point: screen a batch of cases with the worker's function."""
    out: list[tuple[str, dict]] = []
    for case in batch:
        out.extend(screen_case_lines(case, _WORKER["screen_fn"], _WORKER["payers"], _WORKER["service_date"],
                                     _WORKER.get("case_timeout"), _WORKER.get("detail", DEFAULT_DETAIL)))
    return out


# --------------------------------------------------------------------------- spill


class Spill:
    """A temporary SQLite file that groups notes into cases and deduplicates note ids.

    Tables: ``notes`` (every readable note, in input order), ``patients`` (in order of
    first appearance), ``done`` (patients already in the output, for ``--resume``).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.db = sqlite3.connect(folder / "spill.sqlite", isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;
            PRAGMA cache_size=-16000;
            CREATE TABLE notes (seq INTEGER PRIMARY KEY, patient_id TEXT NOT NULL,
                note_id TEXT NOT NULL UNIQUE, text TEXT NOT NULL, note_date TEXT,
                request_type TEXT, service_date TEXT, warnings TEXT, source TEXT);
            CREATE TABLE patients (seq INTEGER PRIMARY KEY, patient_id TEXT NOT NULL UNIQUE);
            CREATE TABLE done (patient_id TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE done_rows (source TEXT PRIMARY KEY) WITHOUT ROWID;
            """
        )
        self.db.execute("BEGIN")
        self._pending = 0

    def mark_done(self, patient_ids: list[str], sources: list[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO done VALUES (?)", ((p,) for p in patient_ids))
        self.db.executemany("INSERT OR IGNORE INTO done_rows VALUES (?)", ((s,) for s in sources))

    def row_done(self, source: str | None) -> bool:
        if source is None:
            return False
        return self.db.execute("SELECT 1 FROM done_rows WHERE source=?", (source,)).fetchone() is not None

    def add(self, note: Note) -> str | None:
        """Store a note; for a repeated note_id return the first copy's source instead."""
        cur = self.db.execute(
            "INSERT INTO notes (patient_id, note_id, text, note_date, request_type, service_date, warnings, source)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(note_id) DO NOTHING",
            (
                note.patient_id, note.note_id, note.text,
                note.note_date.isoformat() if note.note_date else None,
                note.request_type,
                note.service_date.isoformat() if note.service_date else None,
                json.dumps(list(getattr(note, "warnings", ()) or ())) if getattr(note, "warnings", None) else None,
                getattr(note, "source", None),
            ),
        )
        if cur.rowcount == 0:
            first = self.db.execute("SELECT source FROM notes WHERE note_id=?", (note.note_id,)).fetchone()
            return (first[0] if first else None) or "an earlier record"
        self.db.execute("INSERT OR IGNORE INTO patients (patient_id) VALUES (?)", (note.patient_id,))
        self._pending += 1
        if self._pending >= 5000:
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")
            self._pending = 0
        return None

    def finish_loading(self) -> tuple[int, int]:
        """Index the notes; return (cases, notes) left to screen."""
        self.db.execute("COMMIT")
        self.db.execute("CREATE INDEX notes_by_patient ON notes (patient_id, seq)")
        todo = "patient_id NOT IN (SELECT patient_id FROM done)"
        cases = self.db.execute(f"SELECT COUNT(*) FROM patients WHERE {todo}").fetchone()[0]
        notes = self.db.execute(f"SELECT COUNT(*) FROM notes WHERE {todo}").fetchone()[0]
        return cases, notes

    def cases(self) -> Iterator[Case]:
        """Cases in order of first appearance; each case's notes in input order."""
        cursor = self.db.execute(
            "SELECT n.patient_id, n.note_id, n.text, n.note_date, n.request_type, n.service_date,"
            " n.warnings, n.source FROM patients p JOIN notes n ON n.patient_id = p.patient_id"
            " WHERE p.patient_id NOT IN (SELECT patient_id FROM done) ORDER BY p.seq, n.seq"
        )
        current: str | None = None
        rows: list[NoteRow] = []
        for row in cursor:
            if row[0] != current:
                if rows:
                    yield current, rows
                current, rows = row[0], []
            rows.append(tuple(row))
        if rows:
            yield current, rows

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# --------------------------------------------------------------------------- checkpoint


def _sidecars(output: Path) -> tuple[Path, Path]:
    return output.with_name(output.name + ".partial.jsonl"), output.with_name(output.name + ".resume.json")


def _fingerprint(input_path: Path, payers, service_date, max_note_bytes: int) -> dict[str, Any]:
    stat = input_path.stat()
    if input_path.is_dir():
        entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(input_path) if e.is_file())
        content = [len(entries), sum(s for _, s, _ in entries), max((m for *_, m in entries), default=0)]
    else:
        content = [stat.st_size, stat.st_mtime_ns]
    return {
        "version": CHECKPOINT_VERSION,
        "input": str(input_path.resolve()),
        "content": content,
        "payers": list(payers) if payers else None,
        "service_date": service_date.isoformat() if service_date else None,
        "max_note_bytes": max_note_bytes,
    }


def _load_checkpoint(partial: Path, spill: Spill) -> int:
    """Mark what the partial file already holds; returns its number of records."""
    truncate_partial_line(partial)
    count = 0
    pids: list[str] = []
    sources: list[str] = []
    with open(partial, encoding="utf-8") as handle:
        for line in handle:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            count += 1
            case_done = "note_ids" in rec or str(rec.get("error", ""))[:4] in (E_SCREEN_FAILED, E_WORKER_CRASHED, E_CASE_TIMEOUT)
            if case_done and rec.get("patient_id") is not None:
                pids.append(str(rec["patient_id"]))  # a case record (any status) or a failed case
            elif rec.get("source"):
                sources.append(rec["source"])  # an error row of the reading step
            if len(pids) + len(sources) >= 5000:
                spill.mark_done(pids, sources)
                pids, sources = [], []
    spill.mark_done(pids, sources)
    return count


# --------------------------------------------------------------------------- the run


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _progress(enabled: bool | None, **kwargs):
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the pool forks
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(disable=not enabled, file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **kwargs)


def _batches(cases: Iterator[Case], task_notes: int) -> Iterator[list[Case]]:
    batch: list[Case] = []
    size = 0
    for case in cases:
        batch.append(case)
        size += len(case[1])
        if size >= task_notes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Pool:
    """A process pool that survives its workers dying (see module docstring, step 2)."""

    def __init__(self, workers: int, initargs: tuple):
        self.workers = workers
        self.initargs = initargs
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.executor: ProcessPoolExecutor | None = None

    def submit(self, batch: list[Case]) -> Future:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(self.workers, mp_context=self.context,
                                                initializer=_init_worker, initargs=self.initargs)
        try:
            return self.executor.submit(_screen_batch, batch)
        except BrokenProcessPool as exc:  # broke since the last result: fail like its siblings
            future: Future = Future()
            future.set_exception(exc)
            return future

    def reset(self) -> None:
        self.shutdown(kill=True)

    def shutdown(self, kill: bool = False) -> None:
        executor, self.executor = self.executor, None
        if executor is None:
            return
        if kill:
            for proc in list(getattr(executor, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    proc.kill()
        executor.shutdown(wait=True, cancel_futures=True)


def _build_before_fork() -> None:
    """Build the NLP pipeline (and its caches, by screening one tiny note) in this process
    before the pool forks, so every worker starts with it (copy-on-write) instead of spending
    seconds importing and building its own."""
    from .pipeline import screen_case

    _silence_third_party_logs()
    screen_case([Note(patient_id="warm-up", note_id="warm-up", text="Pain 7/10. Denies dementia.")])


def _run_pool(batches: Iterator[list[Case]], workers: int, initargs: tuple,
              emit: Callable[[list[tuple[str, dict]]], None]) -> None:
    case_timeout = initargs[3]  # (screen_fn, payers, service_date, case_timeout, detail), as _init_worker takes them
    pool = _Pool(workers, initargs)
    window = max(1, workers * WINDOW_PER_WORKER)
    inflight: collections.deque[tuple[list[Case], Future, bool]] = collections.deque()
    suspects: collections.deque[Case] = collections.deque()
    exhausted = False
    head: tuple[Future | None, float] = (None, 0.0)  # the oldest batch in flight, and since when
    try:
        while True:
            if suspects:
                if not inflight:  # a suspect runs alone, so a crash names it
                    case = suspects.popleft()
                    inflight.append(([case], pool.submit([case]), True))
            else:
                while not exhausted and len(inflight) < window:
                    batch = next(batches, None)
                    if batch is None:
                        exhausted = True
                        break
                    inflight.append((batch, pool.submit(batch), False))
            if not inflight:
                return
            batch, future, alone = inflight[0]
            if head[0] is not future:
                head = (future, time.monotonic())
            try:
                if case_timeout:
                    # batches run in submission order, so the oldest one has been running at
                    # least since it became the oldest: past this, its worker is stuck where
                    # the per-case alarm cannot reach
                    limit = 2 * case_timeout * len(batch) + WATCHDOG_GRACE
                    results = future.result(timeout=max(0.0, head[1] + limit - time.monotonic()))
                else:
                    results = future.result()
            except (BrokenProcessPool, FutureTimeout) as exc:
                hung = isinstance(exc, FutureTimeout)
                if alone or (hung and len(batch) == 1):
                    inflight.popleft()
                    if hung:
                        emit(_case_error_lines(batch[0], E_CASE_TIMEOUT,
                                               _timeout_reason(case_timeout) + "; the worker was stopped"))
                    else:
                        emit(_case_error_lines(batch[0], E_WORKER_CRASHED,
                                               "the worker process died while screening this case"))
                for b, f, _ in inflight:
                    if f.done() and not f.cancelled() and f.exception() is None:
                        emit(f.result())
                    else:
                        suspects.extend(b)
                inflight.clear()
                if suspects:
                    log.warning("a worker process %s; retrying %d cases one at a time",
                                "stopped responding" if hung else "died", len(suspects))
                pool.reset()
                continue
            inflight.popleft()
            emit(results)
    finally:
        pool.shutdown(kill=True)


def screen_file(
    input_path: Path | str,
    output_path: Path | str,
    *,
    payers: Sequence[str] | None = None,
    service_date: date | None = None,
    workers: int | None = None,
    resume: bool = False,
    max_note_bytes: int = DEFAULT_MAX_NOTE_BYTES,
    screen_fn: ScreenFn | None = None,
    progress: bool | None = None,
    tmp_dir: Path | str | None = None,
    task_notes: int = TASK_NOTES,
    case_timeout: float | None = DEFAULT_CASE_TIMEOUT,
    output_format_name: str | None = None,
    detail: str = DEFAULT_DETAIL,
) -> BulkSummary:
    """Screen every case of ``input_path`` into ``output_path`` (see the module docstring).

    ``output_format_name``: ``jsonl`` | ``csv`` | ``parquet`` | ``fhir`` (default: from the
    suffix of ``output_path``; ``fhir`` writes one Bundle per case, docs/fhir.md).
    ``detail``: ``summary`` | ``standard`` | ``full``, the shape of each record
    (``screener.io.shapes``; FHIR output needs ``standard`` or ``full``).

    ``case_timeout``: seconds one case may take before it becomes E211 error rows (None or
    0: no limit).

    Raises ``InputError`` only when the input as a whole cannot be read (or the output
    format is unknown, or ``resume`` finds a checkpoint of a different input).
    """
    started = time.monotonic()
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = (mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime)
    input_path, output_path = Path(input_path), Path(output_path)
    fmt = output_format(output_path, output_format_name)
    if detail not in DETAILS:
        raise InputError(f"unknown detail {detail!r}; use one of {', '.join(DETAILS)}")
    if fmt == "fhir" and detail == "summary":
        raise InputError("--format fhir needs the evidence: use --detail standard or full")
    items = read_notes(input_path, max_note_bytes=max_note_bytes, dedupe=False)  # InputError before any file is made
    workers = default_workers() if workers is None else max(0, int(workers))
    summary = BulkSummary(input=str(input_path), output=str(output_path), workers=workers)
    partial, meta_path = _sidecars(output_path)
    fingerprint = _fingerprint(input_path, payers, service_date, max_note_bytes)
    fingerprint["detail"] = detail
    output_path.parent.mkdir(parents=True, exist_ok=True)

    resuming = False
    if resume and partial.exists() and meta_path.exists():
        try:
            previous = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        if previous != fingerprint:
            raise InputError(f"{partial}: --resume: the input or the options differ from the interrupted run; "
                             "rerun without --resume to start over")
        resuming = True
    elif resume:
        log.info("nothing to resume for %s; screening from the start", output_path)
    if not resuming:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        meta_path.write_text(json.dumps(fingerprint), encoding="utf-8")

    spill_parent = Path(tmp_dir) if tmp_dir else output_path.parent
    spill = Spill(Path(tempfile.mkdtemp(prefix=f".{output_path.name}.spill-", dir=spill_parent)))
    restore_sigterm = _sigterm_raises()
    checkpoint: CheckpointWriter | None = None
    try:
        if resuming:
            summary.resumed_records = _load_checkpoint(partial, spill)
        checkpoint = CheckpointWriter(partial)
        _spill_input(items, spill, checkpoint, summary, progress)
        n_cases, n_notes = spill.finish_loading()
        if workers > 0:
            summary.workers = workers = min(workers, max(1, n_cases))

        bar = _progress(progress, total=n_notes, unit="note", desc="screening")

        first: list[float] = []  # (time, notes done) at the first results

        def emit(results: list[tuple[str, dict]]) -> None:
            checkpoint.write(line for line, _ in results)
            for _, info in results:
                summary.add(info)
                bar.update(info.get("notes", 0) or (1 if info.get("error") else 0))
            if not first:
                first.extend((time.monotonic(), summary.notes))

        screen_started = time.monotonic()
        batches = _batches(spill.cases(), task_notes)
        try:
            if workers == 0:
                fn = screen_fn or _default_screen_fn()
                _silence_third_party_logs()
                for batch in batches:
                    emit([r for case in batch
                          for r in screen_case_lines(case, fn, list(payers) if payers else None, service_date,
                                                     case_timeout, detail)])
            else:
                if screen_fn is None and "fork" in multiprocessing.get_all_start_methods():
                    _build_before_fork()
                _run_pool(batches, workers, (screen_fn, payers, service_date, case_timeout, detail), emit)
        finally:
            bar.close()
        ended = time.monotonic()
        summary.screen_seconds = ended - screen_started
        if first and ended > first[0] and summary.notes > first[1]:
            summary.steady_notes_per_s = (summary.notes - first[1]) / (ended - first[0])
        checkpoint.close()
        if fmt == "jsonl":
            os.replace(partial, output_path)
        else:
            write_lines(_iter_lines(partial), output_path, fmt)
            partial.unlink()
        with contextlib.suppress(FileNotFoundError):
            meta_path.unlink()
    finally:
        if checkpoint is not None:
            checkpoint.close()
        spill.close()
        restore_sigterm()
    summary.seconds = time.monotonic() - started
    mine, workers_used = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary.parent_cpu_seconds = mine.ru_utime + mine.ru_stime - cpu_before[0]
    summary.worker_cpu_seconds = workers_used.ru_utime + workers_used.ru_stime - cpu_before[1]
    with contextlib.suppress(OSError):
        summary.output_bytes = output_path.stat().st_size
    return summary


def _iter_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


def _spill_input(items: Iterator, spill: Spill, checkpoint: CheckpointWriter,
                 summary: BulkSummary, progress: bool | None) -> None:
    bar = _progress(progress, unit="note", desc="reading")
    pending: list[str] = []
    try:
        for item in items:
            summary.rows_read += 1
            bar.update(1)
            if isinstance(item, Note):
                first = spill.add(item)
                if first is None:
                    continue
                item = error_row(E_DUPLICATE, f"duplicate note_id (first at {first}); this copy is not screened",
                                 patient_id=item.patient_id, note_id=item.note_id, source=getattr(item, "source", None))
            if spill.row_done(item.get("source")):
                continue
            pending.append(record_json(item) + "\n")
            summary.add({"error": item["error"][:4]})
            if len(pending) >= 500:
                checkpoint.write(pending)
                pending = []
    finally:
        if pending:
            checkpoint.write(pending)
        bar.close()


def _sigterm_raises() -> Callable[[], None]:
    """Turn SIGTERM into KeyboardInterrupt while a run is on, so its clean-up runs (the
    partial file is flushed, the spill removed); returns the function that undoes it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)
