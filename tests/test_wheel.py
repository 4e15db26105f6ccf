"""The wheel is complete (issue: a clone is all a user needs): built from the checkout and
installed outside it, it runs ``python -m screener --help``, ``rules check``, the demo and
finds the NegEx set, with nothing from the checkout on the path."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)],
                   check=True, timeout=600, capture_output=True)
    wheels = sorted(dist.glob("screener-*.whl"))
    assert len(wheels) == 1
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheels[0])], check=True, timeout=300, capture_output=True)
    return target


def _run(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # the wheel's package first on the path; the dependencies come from this interpreter
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=True, timeout=600,
                          capture_output=True, text=True)


def test_wheel_runs_outside_the_checkout(installed_wheel, tmp_path):
    where = _run(installed_wheel, tmp_path, "-c", "import screener; print(screener.__file__)").stdout
    assert Path(where.strip()).is_relative_to(installed_wheel)
    assert "screen" in _run(installed_wheel, tmp_path, "-m", "screener", "--help").stdout
    assert "cases pass" in _run(installed_wheel, tmp_path, "-m", "screener", "rules", "check").stdout
    _run(installed_wheel, tmp_path, "-m", "screener", "demo", "--out", str(tmp_path / "demo"))
    assert (tmp_path / "demo" / "results.jsonl").stat().st_size > 0
    assert (tmp_path / "demo" / "report.html").is_file()
    negex = _run(installed_wheel, tmp_path, "-c",
                 "from screener.evaluation import default_negex_path as d; print(d().is_file())").stdout
    assert negex.strip() == "True"
