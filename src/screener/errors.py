"""One coded error catalogue, so tests check codes, not wording.

Messages never contain note text (PHI): they name files, ids, keys and positions only.
"""
from __future__ import annotations


class ScreenerError(Exception):
    """Base class; ``code`` is a stable identifier such as ``E101``."""

    code = "E000"

    def __init__(self, message: str):
        super().__init__(f"{self.code} {message}")


class RulesError(ScreenerError):
    """A rule file is invalid (names the file, the node, the bad value and what is allowed)."""

    code = "E100"


class NoteError(ScreenerError):
    """One note cannot be read (empty, not text, too large, missing id...)."""

    code = "E200"


class InputError(ScreenerError):
    """The input as a whole cannot be read (missing file, unknown format, no usable columns)."""

    code = "E300"
