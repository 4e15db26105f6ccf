"""``screener extract``: one note's findings as JSON."""
from __future__ import annotations

import json

import pytest

from screener.cli import main


def test_cli_extract_prints_findings_with_evidence(tmp_path, capsys):
    note = tmp_path / "N1.txt"
    note.write_text("58 y/o man. He denies dementia. Pain score: 7/10.", encoding="utf-8")
    assert main(["extract", str(note), "--mentions"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["note_id"] == "N1"
    assert out["findings"]["dementia"]["value"] is False
    assert out["findings"]["pain_score_nrs"]["value"] == 7.0
    assert any(m["rule_id"] == "dementia.term" and m["negated"] for m in out["mentions"])


@pytest.mark.parametrize("content,code", [(b"", "E200"), (b"\xff\xfe\xfa", "E200")])
def test_cli_extract_bad_note_is_one_line_error(tmp_path, capsys, content, code):
    note = tmp_path / "bad.txt"
    note.write_bytes(content)
    assert main(["extract", str(note)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"screener: {code}") and "\n" not in err


def test_cli_extract_missing_file_is_input_error(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.txt")]) == 2
    assert "E300" in capsys.readouterr().err


def test_cli_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("screen", "demo", "extract", "rules", "evaluate", "report", "serve", "spark-screen"):
        assert name in out
