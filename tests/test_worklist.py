"""The reviewers' worklist (screener.worklist): load, filter, decide, recompute, export.

Every database test runs on SQLite and on a real PostgreSQL server (the ``postgres_url``
fixture starts one from Debian's packages; skipped with the reason where they are missing).
The records are the real pipeline's, for three sample cases.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from screener.errors import InputError
from screener.gold import load_gold
from screener.pipeline import screen_case
from screener.worklist import store
from screener.worklist.db import Decision, open_database, schema_version
from screener.worklist.review import decided_value, find_leaf

SAMPLES = Path(__file__).resolve().parents[1] / "sample_notes"
CASE_IDS = ("C01", "C10", "C03")


@pytest.fixture(scope="module")
def screened():
    """(records, notes by id, kinds) of three sample cases, screened by the real pipeline."""
    cases = [c for c in load_gold(SAMPLES) if c.patient_id in CASE_IDS]
    records = [screen_case(c.plain_notes, service_date=c.service_date) for c in cases]
    notes = {gn.note.note_id: gn.note for c in cases for gn in c.notes}
    kinds = {gn.note.note_id: gn.kind for c in cases for gn in c.notes}
    return records, notes, kinds


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path, screened):
    if request.param == "sqlite":
        url = str(tmp_path / "worklist.db")
    else:
        url = request.getfixturevalue("postgres_url")
    eng = open_database(url)
    if request.param == "postgresql":  # one server for the session: start each test empty
        from screener.worklist.db import Base

        Base.metadata.drop_all(eng)
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        eng.dispose()
        eng = open_database(url)
    records, notes, kinds = screened
    store.load_cases(eng, records, notes, source="test", kinds=kinds)
    yield eng
    eng.dispose()


def _leaf(view, payer, key):
    det = view.reviewer_determinations[payer]
    return next(c for c in det["criteria"] if c["kind"] == "leaf" and c["findings"] == [key])


def test_worklist_schema_is_at_the_newest_migration_and_reopening_is_idempotent(engine):
    assert schema_version(engine) == "0001"
    again = open_database(engine.url.render_as_string(hide_password=False))
    assert schema_version(again) == "0001"
    again.dispose()


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({}, ["C01", "C03", "C10"]),
        ({"state": "new"}, ["C01", "C03", "C10"]),
        ({"state": "done"}, []),
        ({"payer": "cohere", "status": "insufficient_documentation"}, None),  # computed from the records
        ({"missing": "home_exercise_program"}, None),
    ],
    ids=["all", "state-new", "state-done", "payer-status", "missing"],
)
def test_worklist_filters(engine, screened, filters, expected):
    rows = store.worklist(engine, **filters)
    if expected is None:
        records = screened[0]
        if "missing" in filters:
            expected = sorted(r["patient_id"] for r in records
                              if any(filters["missing"] in (d.get("missing") or []) for d in r["determinations"].values()))
        else:
            expected = sorted(r["patient_id"] for r in records
                              if r["determinations"][filters["payer"]]["status"] == filters["status"])
        assert expected, "the filter must select something to be a test"
    assert [r["patient_id"] for r in rows] == expected


def test_worklist_decisions_are_appended_and_the_latest_is_in_force(engine):
    view = store.case_view(engine, "C01")
    leaf = _leaf(view, "cohere", "home_exercise_program")
    store.decide(engine, "C01", key="home_exercise_program", verdict="met", reviewer="rn.a", reason="HEP in PT note",
                 payer="cohere", criterion_id=leaf["id"])
    store.decide(engine, "C01", key="home_exercise_program", verdict="missing", reviewer="md.b", reason="not in notes",
                 payer="cohere", criterion_id=leaf["id"])
    view = store.case_view(engine, "C01")
    assert [d["verdict"] for d in view.history] == ["met", "missing"]
    assert view.in_force["home_exercise_program"]["reviewer"] == "md.b"
    assert view.state == "in_review"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 2


def test_worklist_override_is_recomputed_by_the_engine(engine):
    view = store.case_view(engine, "C01")
    before = {p: d["status"] for p, d in view.reviewer_determinations.items()}
    assert before["lhcc"] == "meets_criteria"
    leaf = _leaf(view, "lhcc", "trial_pain_reduction_pct")
    row = store.decide(engine, "C01", key="trial_pain_reduction_pct", verdict="not_met", reviewer="md.b",
                       reason="relief was 40% on the diary", payer="lhcc", criterion_id=leaf["id"])
    assert row["value"] == {"value": 50.0, "bound": "<"}
    view = store.case_view(engine, "C01")
    assert view.reviewer_determinations["lhcc"]["status"] == "does_not_meet"
    assert leaf["id"] in view.reviewer_determinations["lhcc"]["failed"]
    assert view.record["determinations"]["lhcc"]["status"] == "meets_criteria"  # the screener's stays


def test_worklist_span_the_screener_missed_becomes_evidence_and_gold(engine, tmp_path):
    view = store.case_view(engine, "C10")
    text = view.notes[next(iter(view.notes))].text
    start = text.index(text.strip().split("\n")[0][:20])
    end = start + 20
    leaf = _leaf(view, "cohere", "home_exercise_program")
    store.decide(engine, "C10", key="home_exercise_program", verdict="met", reviewer="rn.a", reason="stated",
                 payer="cohere", criterion_id=leaf["id"], spans=[{"note_id": next(iter(view.notes)), "start": start, "end": end}])
    view = store.case_view(engine, "C10")
    ev = view.reviewed["home_exercise_program"]["evidence"][0]
    assert ev["text"] == text[start:end] and ev["rule_id"] == "reviewer"
    store.set_state(engine, "C10", "done", "rn.a")
    out = tmp_path / "gold"
    assert store.export_gold(engine, out) == ["C10"]
    (case,) = load_gold(out)
    assert case.findings["home_exercise_program"] is True
    assert any(text[start:end] in gn.evidence.get("home_exercise_program", ()) for gn in case.notes)
    assert case.determinations == {p: d["status"] for p, d in view.reviewer_determinations.items()}


def test_worklist_export_leaves_out_a_value_known_only_as_a_bound(engine, tmp_path):
    view = store.case_view(engine, "C01")
    leaf = _leaf(view, "lhcc", "trial_pain_reduction_pct")
    store.decide(engine, "C01", key="trial_pain_reduction_pct", verdict="not_met", reviewer="md.b",
                 payer="lhcc", criterion_id=leaf["id"])
    store.set_state(engine, "C01", "done", "md.b")
    store.export_gold(engine, tmp_path / "gold")
    (case,) = load_gold(tmp_path / "gold")
    assert "trial_pain_reduction_pct" not in case.findings
    assert "trial_pain_reduction_pct < 50" in case.description
    assert case.determinations["lhcc"] == "does_not_meet"


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"key": "no_such_key", "verdict": "met"}, "unknown finding key"),
        ({"key": "dementia", "verdict": "maybe"}, "verdict must be one of"),
        ({"key": "dementia", "verdict": "met", "reviewer": " "}, "needs a reviewer"),
        ({"key": "dementia", "verdict": "met", "spans": [{"note_id": "C99-N1", "start": 0, "end": 4}]}, "not a note of this case"),
        ({"key": "dementia", "verdict": "met", "spans": [{"note_id": "C01-N1", "start": 5, "end": 10**7}]}, "not inside note"),
        ({"key": "dementia", "verdict": "met", "payer": "lhcc", "criterion_id": "lhcc.nope"}, "is not a criterion"),
        ({"key": "dementia", "verdict": "met"}, "give the value"),
    ],
    ids=["key", "verdict", "reviewer", "note", "offsets", "criterion", "no-value"],
)
def test_worklist_bad_decision_is_a_one_line_error(engine, kwargs, fragment):
    args = {"reviewer": "rn.a", **kwargs}
    with pytest.raises(InputError) as err:
        store.decide(engine, "C01", **args)
    assert fragment in str(err.value) and "\n" not in str(err.value)
    assert store.case_view(engine, "C01").history == []


def test_worklist_unknown_case_is_an_error(engine):
    with pytest.raises(InputError, match="no case"):
        store.case_view(engine, "NOPE")


@pytest.mark.parametrize(
    "key,verdict,op,threshold,value,expected",
    [
        ("psych_clearance", "met", "is_true", None, None, (True, None)),
        ("psych_clearance", "not_met", "is_true", None, None, (False, None)),
        ("dementia", "met", "is_false", None, None, (False, None)),
        ("dementia", "not_met", "is_false", None, None, (True, None)),
        ("trial_pain_reduction_pct", "met", ">=", 50, None, (50.0, ">=")),
        ("trial_pain_reduction_pct", "not_met", ">=", 50, None, (50.0, "<")),
        ("life_expectancy_months", "met", ">", 3, None, (3.0, ">")),
        ("life_expectancy_months", "not_met", ">", 3, None, (3.0, "<=")),
        ("trial_pain_reduction_pct", "not_met", ">=", 50, "40", (40.0, None)),
        ("psych_clearance", "missing", "is_true", None, None, (None, None)),
    ],
)
def test_worklist_verdict_gives_the_value(key, verdict, op, threshold, value, expected):
    from screener.criteria.schema import Node

    leaf = Node(id="x.leaf", text="t", cite="c", kind="leaf", finding=key, op=op, value=threshold)
    assert decided_value(key, verdict, leaf, value) == expected


def test_worklist_typed_value_must_agree_with_the_verdict():
    from screener.criteria.schema import Node

    leaf = Node(id="x.leaf", text="t", cite="c", kind="leaf", finding="trial_pain_reduction_pct", op=">=", value=50)
    with pytest.raises(InputError, match="does not make criterion"):
        decided_value("trial_pain_reduction_pct", "met", leaf, "40")


def test_worklist_find_leaf_reads_the_policy_in_force():
    import datetime as dt

    leaf = find_leaf("cohere", "cohere.nonmalignant.conservative.home_exercise", dt.date(2026, 8, 1))
    assert leaf is not None and leaf.finding == "home_exercise_program"
    assert find_leaf("cohere", "cohere.no.such", dt.date(2026, 8, 1)) is None


def test_worklist_cli_load_list_export_evaluate(tmp_path, screened, capsys):
    from screener.cli import main
    from screener.io.writers import write_records

    records = screened[0]
    results = tmp_path / "results.jsonl"
    write_records(records, results)
    db = tmp_path / "w.db"
    assert main(["worklist", "load", str(results), "--notes", str(SAMPLES), "--db", str(db)]) == 0
    assert "3 case(s) loaded" in capsys.readouterr().err
    assert main(["worklist", "list", "--db", str(db), "--state", "new"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.strip().splitlines()[1:]] == ["C01", "C03", "C10"]
    engine = open_database(db)
    store.set_state(engine, "C03", "done", "rn.a")
    out = tmp_path / "export"
    assert main(["worklist", "export", "--db", str(db), "-o", str(out)]) == 0
    assert main(["evaluate", str(out), "--json", str(tmp_path / "e.json")]) == 0
    result = json.loads((tmp_path / "e.json").read_text())
    assert result["cases"] == 1
    # a second export into the same folder is refused, nothing half-written
    assert main(["worklist", "export", "--db", str(db), "-o", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
