"""Shared fixtures: one extraction pipeline per test session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def reader():
    """The process-wide NoteReader (medspaCy ConText + rule files), built once."""
    from screener.nlp.reader import default_reader

    return default_reader()


@pytest.fixture(scope="session")
def mtsamples_texts():
    """The transcriptions of the 321 MTSamples reports the repository ships (data/README.md):
    real prose of other specialties, none a pump candidate."""
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "mtsamples" / "mtsamples_first321.csv"
    csv.field_size_limit(2**31 - 1)
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["transcription"] for row in csv.DictReader(handle) if (row.get("transcription") or "").strip()]
