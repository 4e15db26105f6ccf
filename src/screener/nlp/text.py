"""Validation and sanitising of note text. Offsets are preserved: every change keeps length."""
from __future__ import annotations

import re

from ..errors import NoteError

MAX_NOTE_CHARS = 10_000_000  # larger notes are an error row; bulk readers may set a lower limit

# C0/C1 control characters except tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def sanitise(text: object, *, max_chars: int = MAX_NOTE_CHARS) -> str:
    """Return ``text`` with control characters replaced by spaces (same length).

    Raises ``NoteError`` (E201 not text, E202 empty, E203 too large). Never includes the
    text itself in the message.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError(f"note text is not valid UTF-8 (byte {exc.start})") from None
    if not isinstance(text, str):
        raise NoteError(f"note text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise NoteError("note text is empty")
    if len(text) > max_chars:
        raise NoteError(f"note text is too large ({len(text)} characters > {max_chars})")
    return _CONTROL.sub(" ", text)
