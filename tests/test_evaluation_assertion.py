"""Assertion benchmark: loading the NegEx set and scoring injected systems."""
from __future__ import annotations

from pathlib import Path

import pytest

from screener.evaluation import assertion_benchmark as ab

HEADER = "line\tCondition\tsentence\tnegation\ttemporality\texperiencer\n"
ROWS = [
    ("1", "edema", "Extremities reveal no peripheral cyanosis or EDEMA.", "Negated", "Recent", "Patient"),
    ("2", "hypertension", "HYPERTENSION.", "Affirmed", "Historical", "Patient"),
    ("3", "chest pain", "Return if CHEST PAIN recurs.", "Affirmed", "Not particular", "Patient"),
    ("4", "diabetes", "Mother has DIABETES.", "Affirmed", "Recent", "Other"),
    ("5", "fever", "Denies FEVER.", "Negated", "Recent", "Patient"),
    ("6", "Neck:  Supple.  No lymphadenopathy", "Neck:  Supple.", "Negated", "Recent", "Patient"),
    ("7", "mucous  membranes", "Moist MUCOUS MEMBRANES.", "Affirmed", "Recent", "Patient"),
]


@pytest.fixture()
def negex_file(tmp_path: Path) -> Path:
    path = tmp_path / "negex.txt"
    path.write_text(HEADER + "".join("\t".join(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def keyword_system(text, spans):
    low = text.lower()
    return [{"negated": "no " in low or "denies" in low, "historical": False, "hypothetical": "if " in low,
             "family": "mother" in low, "uncertain": False} for _ in spans]


@pytest.mark.parametrize(
    ("line", "span_text"),
    [("1", "EDEMA"), ("2", "HYPERTENSION"), ("7", "MUCOUS MEMBRANES")],  # 7: whitespace-tolerant
)
def test_evaluation_assertion_locates_condition(negex_file, line, span_text):
    rows, _ = ab.load_negex(negex_file)
    row = rows.set_index("line").loc[line]
    assert row["sentence"][row["start"]:row["end"]] == span_text


def test_evaluation_assertion_skips_condition_not_in_sentence(negex_file):
    rows, skipped = ab.load_negex(negex_file)
    assert list(skipped["line"]) == ["6"] and len(rows) == 6


def test_evaluation_assertion_limit_caps_rows(negex_file):
    rows, _ = ab.load_negex(negex_file, limit=3)
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("dimension", "tp", "fp", "fn", "tn"),
    [
        ("negation", 2, 0, 0, 4),
        ("historical", 0, 0, 1, 5),
        ("hypothetical", 1, 0, 0, 5),
        ("experiencer", 1, 0, 0, 5),
    ],
)
def test_evaluation_assertion_scores_dimensions(negex_file, dimension, tp, fp, fn, tn):
    bench = ab.evaluate_assertion(negex_file, systems={"kw": keyword_system})
    row = bench.scores[(bench.scores["system"] == "kw") & (bench.scores["dimension"] == dimension)].iloc[0]
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)


def test_evaluation_assertion_confusion_and_published_row(negex_file):
    bench = ab.evaluate_assertion(negex_file, systems={"kw": keyword_system})
    conf = bench.confusion[("kw", "negation")]
    assert conf.loc["Negated", "Negated"] == 2 and conf.loc["Affirmed", "Affirmed"] == 4
    assert bench.f1("GenNegEx 1.2 (published)") == pytest.approx(0.946)
    assert len(bench.errors("kw", "historical")) == 1


def test_evaluation_assertion_negation_only_system_not_scored_elsewhere(negex_file):
    bench = ab.evaluate_assertion(negex_file, systems={"negspacy": ab.negspacy_assertion}, include_published=False)
    assert set(bench.scores["dimension"]) == {"negation"}
    assert bench.f1("negspacy") == pytest.approx(1.0)  # "no ... EDEMA", "Denies FEVER"


@pytest.mark.parametrize(
    ("text", "span", "negated"),
    [
        ("No evidence of PNEUMONIA.", (15, 24), True),
        ("PNEUMONIA in the left lobe.", (0, 9), False),
        ("Denies chest pain but has FEVER.", (26, 31), False),
    ],
)
def test_evaluation_assertion_negspacy_wrapper(text, span, negated):
    assert ab.negspacy_assertion(text, [span])[0]["negated"] is negated


def test_evaluation_assertion_default_path_is_the_copy_in_the_repository(monkeypatch):
    monkeypatch.delenv("SCREENER_NEGEX", raising=False)
    path = ab.default_negex_path()
    assert path.parts[-3:] == ("data", "negex", ab.NEGEX_FILE) and path.is_file()
    monkeypatch.setenv("SCREENER_NEGEX", "/tmp/x.txt")
    assert ab.default_negex_path() == Path("/tmp/x.txt")


def test_evaluation_assertion_real_set_loads_nearly_every_row():
    rows, skipped = ab.load_negex()
    assert len(rows) + len(skipped) == 2376 and len(skipped) < 20
    assert set(rows["negation"]) <= {"Negated", "Affirmed", "Possible"}
