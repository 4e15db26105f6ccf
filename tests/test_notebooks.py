"""Every notebook in notebooks/ executes top to bottom (nbclient) and is stored stripped.

The kernel is this interpreter (``sys.executable``, i.e. the project's .venv after
``make test``): a throw-away kernelspec pointing at it is written to a temporary
JUPYTER_PATH entry, so nothing needs registering on a fresh clone.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "screener-test-python"
TIMEOUT_S = 300  # per cell; each notebook takes well under a minute on 2 cores


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory) -> str:
    base = tmp_path_factory.mktemp("jupyter")
    spec_dir = base / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "screener tests", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(base))
    mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    yield KERNEL
    mp.undo()


def test_notebooks_all_four_present():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_extraction.ipynb", "02_determinations.ipynb", "03_assertion_benchmark.ipynb",
            "04_ml_baseline.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("outputs") == [] and c.get("execution_count") is None for c in code)
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code)


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_execute_without_errors(path, kernel_name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT_S, kernel_name=kernel_name,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    assert any(o.get("output_type") in ("display_data", "execute_result")
               for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
