"""Shared fixtures: one extraction pipeline per test session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def reader():
    """The process-wide NoteReader (medspaCy ConText + rule files), built once."""
    from screener.nlp.reader import default_reader

    return default_reader()
