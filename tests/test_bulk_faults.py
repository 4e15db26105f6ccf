"""Faults of a bulk run (issue: bulk screening at scale, item 4): workers exit when the
parent dies however it dies, and ``--resume`` after ``kill -9`` at any moment gives every
case exactly once."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FAKE = "test_bulk_fakes:fake_screen"


def _children(pid: int) -> list[int]:
    """Live descendants of ``pid`` (from /proc), zombies excluded."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            kids.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in kids.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        except OSError:
            pass
    return alive


def _extract(path: Path, cases: int, slow: bool = False) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(cases):
            for j in range(2):
                text = f"note {j} of case {i}" + (" SLOW" if slow and i % 5 == 0 and j == 0 else "")
                handle.write(json.dumps({"patient_id": f"P{i:04d}", "note_id": f"P{i:04d}-N{j}", "text": text}) + "\n")
    return path


def _screen(inp: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "screener", "screen", str(inp), "-o", str(out),
                             "--screen-fn", FAKE, "--no-progress", *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.mark.slow
def test_kill_9_of_the_parent_leaves_no_worker_running(tmp_path):
    inp = _extract(tmp_path / "in.jsonl", 40, slow=True)  # SLOW cases keep the workers busy for 60 s
    proc = _screen(inp, tmp_path / "out.jsonl", "--workers", "2")
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(workers):
        time.sleep(0.2)
    left = _alive(workers)
    for pid in left:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived their parent by 10 s"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resume_after_kill_9_at_a_random_moment_gives_every_case_once(tmp_path, seed):
    inp = _extract(tmp_path / "in.jsonl", 400)
    out = tmp_path / "out.jsonl"
    rng = random.Random(seed)
    for _ in range(3):  # kill it up to three times, each at a random moment
        proc = _screen(inp, out, "--workers", "2", "--resume")
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)
    proc = _screen(inp, out, "--workers", "2", "--resume")
    assert proc.wait(timeout=120) == 0
    ids = [json.loads(line)["patient_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == [f"P{i:04d}" for i in range(400)]
