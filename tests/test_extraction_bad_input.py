"""Bad input gives a clear coded error or an empty result, never a crash deep in spaCy,
and note text never reaches the logs."""
from __future__ import annotations

import logging

import pytest

import screener
from screener.errors import NoteError


@pytest.mark.parametrize(
    "text,code",
    [("", "E200"), ("   \n\t ", "E200"), (b"\xff\xfe\x00bad", "E200"), (12345, "E200"), (None, "E200")],
)
def test_extraction_unreadable_text_raises_coded_error(text, code):
    with pytest.raises(NoteError) as info:
        screener.extract(text)
    assert str(info.value).startswith(code)


def test_extraction_error_message_has_no_note_text():
    secret = "Jane Roe MRN 123456 " * 600_000  # over the size limit
    with pytest.raises(NoteError) as info:
        screener.extract(secret)
    assert "Jane" not in str(info.value)


@pytest.mark.parametrize("text", ["....", "!!!\n???", "\x00\x01\x02 dementia \x07", "ÿþ 你好 🙂 dementia"])
def test_extraction_odd_text_gives_result_not_crash(text):
    findings = screener.extract(text)
    assert isinstance(findings, dict)


def test_extraction_control_characters_keep_offsets():
    text = "x\x00\x01 He has dementia."
    evidence = screener.extract(text)["dementia"].evidence[0]
    assert text[evidence.start:evidence.end] == "dementia"


@pytest.mark.slow
def test_extraction_large_note_is_read():
    text = ("Chronic low back pain. He denies dementia. Vitals stable and unremarkable today. " * 60_000)[:5_000_000]
    findings = screener.extract(text)
    assert findings["dementia"].value is False


def test_extraction_logs_no_note_text(caplog):
    from loguru import logger

    captured = []
    sink = logger.add(captured.append, level="DEBUG")
    try:
        with caplog.at_level(logging.DEBUG):
            screener.extract("Zebulon Quixotic denies dementia. Pain 8/10.")
    finally:
        logger.remove(sink)
    assert "Zebulon" not in caplog.text
    assert not any("Zebulon" in str(message) for message in captured)


@pytest.mark.parametrize("filler", ["_", ".", "-", "="])
def test_extraction_long_filler_runs_read_in_linear_time(filler):
    """A blank form field of 100,000 underscores (or a dot leader as long): spaCy's tokenizer
    splits such a run one character at a time in quadratic time, so the digest blanks it."""
    text = "Psychological evaluation: " + filler * 100_000 + "\nHe denies dementia."
    assert screener.extract(text)["dementia"].value is False
