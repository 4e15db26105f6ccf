"""The screener's own processes never let a GPU library see a GPU (issue: workers never
initialise a GPU library they do not use). Stand-in ``cupy`` and ``torch`` packages that
record, at import, which GPUs CUDA would show them are put on the path; thinc imports both
when it can and asks them for their devices."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture()
def recording_gpu_libraries(tmp_path):
    marker = tmp_path / "imported.txt"
    site = tmp_path / "site"
    for name in ("cupy", "torch"):
        package = site / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(
            "import os\n"
            f"open({str(marker)!r}, 'a').write(__name__ + ' ' + repr(os.environ.get('CUDA_VISIBLE_DEVICES')) + '\\n')\n"
            "raise ImportError('stand-in GPU library')\n"
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    return marker, env


def test_cpu_only_stand_ins_see_the_gpus_without_the_guard(recording_gpu_libraries):
    marker, env = recording_gpu_libraries
    subprocess.run([sys.executable, "-c", "import spacy; spacy.blank('en')"], env=env, check=True, timeout=120)
    assert set(marker.read_text().splitlines()) == {"cupy None", "torch None"}


def test_cpu_only_screen_with_workers_shows_no_gpu_to_gpu_libraries(recording_gpu_libraries, tmp_path):
    marker, env = recording_gpu_libraries
    notes = tmp_path / "in.jsonl"
    notes.write_text("".join(json.dumps({"patient_id": f"P{i}", "note_id": f"N{i}",
                                         "text": "Intrathecal morphine trial gave 60% relief."}) + "\n"
                             for i in range(4)))
    out = tmp_path / "out.jsonl"
    subprocess.run([sys.executable, "-m", "screener", "screen", str(notes), "-o", str(out), "--workers", "2"],
                   env=env, check=True, timeout=300, cwd=tmp_path, capture_output=True)
    assert len(out.read_text().splitlines()) == 4
    seen = marker.read_text().splitlines() if marker.exists() else []
    assert seen and set(seen) <= {"cupy ''", "torch ''"}, seen
