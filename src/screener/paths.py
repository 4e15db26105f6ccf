"""Where the package's data lives, in a checkout and in an installed wheel.

The wheel carries ``rules/`` inside the package (``screener/rules``, see pyproject's
force-include); an editable install or a checkout reads the repository's ``rules/``.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path | None:
    """A data folder shipped in the wheel as ``screener/<name>`` (pyproject's
    force-include) or, in a checkout or editable install, the repository's ``<name>/``."""
    packaged = Path(str(resources.files("screener"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    return None


@lru_cache(maxsize=1)
def rules_dir() -> Path:
    """The folder holding ``extraction/`` and ``payers/`` rule files."""
    found = data_dir("rules")
    if found is None:
        raise FileNotFoundError("E001 rules folder not found: neither screener/rules nor <repo>/rules")
    return found


def package_file(name: str) -> Path:
    """A data file shipped inside the ``screener`` package (e.g. ``findings.yaml``)."""
    return Path(str(resources.files("screener"))) / name


def repo_root() -> Path | None:
    """The checkout root when running from one (used for sample notes and benchmarks)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None
