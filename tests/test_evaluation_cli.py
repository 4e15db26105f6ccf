"""``screener evaluate`` prints the tables and writes strict JSON (predictors stubbed)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml

from screener.cli import evaluate as cli_evaluate
from screener.evaluation import determinations as det_mod
from screener.evaluation import findings as findings_mod

SECRET = "SECRET-NOTE-TEXT"


@pytest.fixture()
def gold_dir(tmp_path: Path) -> Path:
    for cid, dementia in (("C01", True), ("C02", False)):
        folder = tmp_path / "gold" / "cases" / cid
        folder.mkdir(parents=True)
        (folder / f"{cid}-N1.txt").write_text(f"{SECRET} dementia", encoding="utf-8")
        meta = {"patient_id": cid, "notes": [{"note_id": f"{cid}-N1", "findings": {"dementia": dementia}}],
                "findings": {"dementia": dementia, "pain_score_nrs": 7},
                "determinations": {"uhc": "does_not_meet" if dementia else "meets_criteria"}}
        (folder / "case.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return tmp_path / "gold"


@pytest.fixture()
def stubbed(monkeypatch):
    monkeypatch.setattr(findings_mod, "default_note_predictor", lambda note: {"dementia": True})
    monkeypatch.setattr(findings_mod, "default_case_predictor",
                        lambda notes: {"dementia": True, "pain_score_nrs": 7.5})
    monkeypatch.setattr(det_mod, "pipeline_predictor", lambda case: {"uhc": {"status": "does_not_meet"}})
    monkeypatch.setattr(det_mod, "gold_findings_predictor",
                        lambda case: {"uhc": {"status": case.determinations["uhc"]}})


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="screener")
    cli_evaluate.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", *argv])
    return args.func(args)


def test_evaluation_cli_prints_tables_and_exits_zero(gold_dir, stubbed, capsys):
    assert run_cli([str(gold_dir)]) == 0
    out = capsys.readouterr().out
    assert "case-level findings" in out and "note-level findings" in out
    assert "micro  P 0.750  R 0.750  F1 0.750" in out   # case: 3 tp; C02 dementia wrong = 1 fp + 1 fn
    assert "uhc" in out and SECRET not in out            # never prints note text


def test_evaluation_cli_json_is_strict_and_lists_errors(gold_dir, stubbed, tmp_path):
    out = tmp_path / "eval" / "result.json"
    assert run_cli([str(gold_dir), "--json", str(out), "--level", "case"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["cases"] == 2 and data["assertion"] is None
    case = next(s for s in data["findings"]["summary"] if s["level"] == "case")
    assert (case["tp"], case["fp"], case["fn"]) == (3, 1, 1)
    acc = {r["payer"]: r for r in data["determinations"]["accuracy"]}
    assert acc["uhc"]["accuracy"] == 0.5 and acc["uhc"]["reference_accuracy"] == 1.0
    assert {e["key"] for e in data["findings"]["errors"]} == {"dementia"}


def test_evaluation_cli_negex_flag_runs_benchmark(gold_dir, stubbed, tmp_path, capsys, monkeypatch):
    negex = tmp_path / "negex.txt"
    negex.write_text("line\tc\ts\tn\tt\te\n1\tfever\tDenies FEVER.\tNegated\tRecent\tPatient\n", encoding="utf-8")
    from screener.evaluation import assertion_benchmark as ab

    monkeypatch.setattr(ab, "screener_assertion", lambda text, spans: [{"negated": True} for _ in spans])
    assert run_cli([str(gold_dir), "--negex", str(negex)]) == 0
    out = capsys.readouterr().out
    assert "assertion benchmark: 1 sentences" in out and "negspacy" in out and "GenNegEx" in out
