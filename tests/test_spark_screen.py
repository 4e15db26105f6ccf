"""screener.spark and `screener spark-screen` (issue 7), in local[2] with one session.

The plumbing tests inject ``fake_screen_case`` (the case record's shape, no NLP) through
``screener=`` / ``screener.spark.DEFAULT_SCREENER``; the equivalence tests run the real
pipeline through both `screener screen` and `screener spark-screen`. Spark tests are
skipped, with the reason, only where pyspark or a Java runtime is absent.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FAKE = f"{__name__}:fake_screen_case"
PAYERS = ("uhc", "lhcc", "cohere", "molina")
ROOT = Path(__file__).resolve().parents[1]
NOTE_SCHEMA = "patient_id string, note_id string, text string, note_date string, request_type string"


def fake_screen_case(notes, payers=None, service_date=None):
    """A case record in the contract's shape, plus which worker built the screener how often."""
    from screener.spark import worker_screener

    payers = list(payers or PAYERS)
    return {
        "patient_id": notes[0].patient_id,
        "status": "ok",
        "note_ids": [n.note_id for n in notes],
        "request_type": next((n.request_type for n in notes if n.request_type), None),
        "indication": None,
        "service_date": service_date.isoformat() if service_date else None,
        "findings": {},
        "mentions": [],
        "determinations": {
            p: {"status": "insufficient_documentation", "policy": p.upper(), "missing": ["psych_clearance"]}
            for p in payers
        },
        "_worker": {"pid": os.getpid(), "builds": worker_screener.cache_info().misses},
    }


def plain_screen_case(notes, payers=None, service_date=None):
    """``fake_screen_case`` without the worker details: the same on every run."""
    record = fake_screen_case(notes, payers, service_date)
    del record["_worker"]
    return record


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'screener[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return "no Java runtime (Spark 4 needs Java 17 or 21 on PATH or in JAVA_HOME)"
    return None


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for the whole test run (small shuffles, no UI, 1g driver)."""
    reason = _spark_missing()
    if reason:
        pytest.skip(reason)
    from screener.spark import local_session

    session = local_session(
        "local[2]", app_name="screener-tests", driver_memory="1g", shuffle_partitions=4
    )
    session.sparkContext.addPyFile(__file__)  # the workers import fake_screen_case from here
    yield session
    session.stop()


@pytest.fixture
def fake_default(monkeypatch):
    """Make the fake the default screener (what the CLI uses), for this test only."""
    monkeypatch.setattr("screener.spark.DEFAULT_SCREENER", FAKE)


def _notes_df(spark, rows):
    names = [part.split()[0] for part in NOTE_SCHEMA.split(",")]
    return spark.createDataFrame([tuple(r.get(c) for c in names) for r in rows], NOTE_SCHEMA)


def _records(df) -> list[dict]:
    return [json.loads(r.record_json) for r in df.select("record_json").collect()]


GOOD = [
    {"patient_id": "P1", "note_id": "N1", "text": "chronic low back pain", "note_date": "2026-01-02"},
    {"patient_id": "P1", "note_id": "N2", "text": "trial planned", "request_type": "trial"},
    {"patient_id": "P2", "note_id": "N3", "text": "spasticity"},
]


# --------------------------------------------------------------------------- no Spark needed


def test_spark_import_screener_keeps_pyspark_out():
    code = (
        "import sys, screener, screener.cli, screener.cli.spark\n"
        "screener.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m == 'pyspark' or m.startswith('pyspark.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["spark-screen", "in.jsonl"], "required: -o/--output"),
        (["spark-screen", "in.jsonl", "-o", "o.jsonl", "--payers", "aetna"], "unknown payer"),
        (["spark-screen", "in.jsonl", "-o", "o.jsonl", "--service-date", "1/2/2026"], "not an ISO date"),
        (["spark-screen", "in.jsonl", "-o", "o.jsonl", "--conf", "novalue"], "KEY=VALUE"),
    ],
)
def test_spark_cli_rejects_bad_options(argv, message, capsys):
    from screener.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


# --------------------------------------------------------------------------- plumbing (fake screener)


@pytest.mark.spark
@pytest.mark.parametrize(
    "bad, code",
    [
        ({"patient_id": None, "note_id": "B1", "text": "x"}, "E201"),
        ({"patient_id": " ", "note_id": "B1", "text": "x"}, "E201"),
        ({"patient_id": "P9", "note_id": None, "text": "x"}, "E201"),
        ({"patient_id": "P9", "note_id": "B2", "text": ""}, "E202"),
        ({"patient_id": "P9", "note_id": "B3", "text": "   \n"}, "E202"),
        ({"patient_id": "P9", "note_id": "B4", "text": None}, "E202"),
        ({"patient_id": "P9", "note_id": "B5", "text": "x" * 2_000_000 + "é" * 100_000}, "E205"),
        ({"patient_id": "P1", "note_id": "N1", "text": "a second copy"}, "E206"),
        ({"patient_id": "P9", "note_id": "N3", "text": "same id, other patient"}, "E206"),
    ],
)
def test_spark_screen_records_bad_note_is_error_record(spark, bad, code):
    from screener.spark import screen_records

    records = _records(screen_records(_notes_df(spark, GOOD + [bad]), screener=FAKE))
    cases = {r["patient_id"]: r for r in records if r["status"] == "ok"}
    errors = [r for r in records if r["status"] == "error"]
    assert sorted(cases) == ["P1", "P2"]
    assert [e["error"][:4] for e in errors] == [code]
    assert errors[0]["note_id"] == bad["note_id"]
    assert "x" * 20 not in json.dumps(errors)  # no note text in an error
    accounted = sum(len(c["note_ids"]) for c in cases.values()) + len(errors)
    assert accounted == len(GOOD) + 1


@pytest.mark.spark
@pytest.mark.parametrize(
    "text, code",
    [(b"\xff\xfe not utf-8", "E204"), (b"nul \x00 byte", "E203"), ("ok text".encode(), None)],
)
def test_spark_screen_records_binary_text_column(spark, text, code):
    from screener.spark import screen_records

    df = spark.createDataFrame([("P1", "N1", bytearray(text))], "patient_id string, note_id string, text binary")
    (record,) = _records(screen_records(df, screener=FAKE))
    assert (record.get("error") or "")[:4] == (code or "")
    assert record["status"] == ("error" if code else "ok")


@pytest.mark.spark
@pytest.mark.parametrize(
    "row, warning",
    [
        ({"note_date": "02/01/2026"}, "W201"),
        ({"request_type": "implant"}, "W202"),
        ({"request_type": "Permanent"}, None),
    ],
)
def test_spark_screen_records_reader_warnings_reach_the_case(spark, row, warning):
    from screener.spark import screen_records

    note = {"patient_id": "P1", "note_id": "N1", "text": "note", **row}
    (record,) = _records(screen_records(_notes_df(spark, [note]), screener=FAKE))
    assert [w[:4] for w in record.get("warnings", [])] == ([warning] if warning else [])
    if row.get("request_type") == "Permanent":
        assert record["request_type"] == "permanent"


@pytest.mark.spark
def test_spark_screen_records_typed_columns(spark):
    """Integer ids, a date column and a column name in other case read as in `screener screen`."""
    from pyspark.sql import functions as F

    from screener.spark import screen_records

    df = spark.createDataFrame(
        [(7, 70, "note a", "2026-03-01"), (7, 71, "note b", None)],
        "Patient_ID long, note_id int, TEXT string, note_date string",
    ).withColumn("note_date", F.to_date("note_date"))
    (record,) = _records(screen_records(df, screener=FAKE))
    assert (record["patient_id"], record["note_ids"]) == ("7", ["70", "71"])


@pytest.mark.spark
def test_spark_screen_records_missing_column_is_input_error(spark):
    from screener.errors import InputError
    from screener.spark import screen_records

    df = spark.createDataFrame([("P1", "x")], "patient_id string, text string")
    with pytest.raises(InputError, match="E300 .*note_id"):
        screen_records(df, screener=FAKE)


@pytest.mark.spark
def test_spark_pipeline_built_once_per_worker(spark):
    """Many cases over many tasks: each Python worker built the screener exactly once."""
    from screener.spark import screen_records

    rows = [{"patient_id": f"P{i}", "note_id": f"N{i}", "text": "note"} for i in range(60)]
    records = _records(screen_records(_notes_df(spark, rows), screener=FAKE, num_partitions=12))
    builds = {(r["_worker"]["pid"], r["_worker"]["builds"]) for r in records}
    assert len(records) == 60
    assert {b for _, b in builds} == {1}
    assert len({pid for pid, _ in builds}) <= 2  # local[2]: at most two Python workers


@pytest.mark.spark
@pytest.mark.parametrize("payers, per_case", [(None, 4), (["uhc", "molina"], 2), ("cohere", 1)])
def test_spark_screen_dataframe_rows_per_case_and_payer(spark, payers, per_case):
    from screener.io.flatten import PARQUET_COLUMNS
    from screener.spark import screen_dataframe

    bad = {"patient_id": "P9", "note_id": "B1", "text": ""}
    flat = screen_dataframe(_notes_df(spark, GOOD + [bad]), payers, screener=FAKE)
    rows = [r.asDict() for r in flat.collect()]
    assert tuple(flat.columns) == tuple(PARQUET_COLUMNS)
    assert len(rows) == 2 * per_case + 1
    assert sorted({r["payer"] for r in rows if r["status"] == "ok"}) == sorted(
        [payers] if isinstance(payers, str) else payers or PAYERS
    )
    (error,) = [r for r in rows if r["status"] == "error"]
    assert (error["payer"], error["error"][:4]) == (None, "E202")


def _write_jsonl(path: Path, rows: list, raw_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in rows] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.spark
@pytest.mark.parametrize(
    "raw, code, source",
    [
        ("{not json", "E207", "line 4"),
        ("[1, 2]", "E207", "line 4"),
        ('{"patient_id": "P3", "note_id": "N9", "text": 12}', "E203", "line 4"),
        ('{"patient_id": "P3", "note_id": "N1", "text": "copy"}', "E206", "line 4"),
    ],
)
def test_spark_read_notes_jsonl_errors_keep_line(spark, fake_default, tmp_path, raw, code, source):
    from screener.spark import read_notes, screen_records

    path = _write_jsonl(tmp_path / "notes.jsonl", GOOD, (raw,))
    records = _records(screen_records(read_notes(spark, str(path))))
    (error,) = [r for r in records if r["status"] == "error"]
    assert (error["error"][:4], error["source"]) == (code, source)
    assert len([r for r in records if r["status"] == "ok"]) == 2


@pytest.mark.spark
def test_spark_reads_ndjson_of_document_references_like_the_bulk_reader(spark, fake_default, tmp_path):
    import base64

    from screener.io import read_notes as bulk_read_notes
    from screener.spark import read_notes, screen_records

    def doc(nid, pid, text, **over):
        res = {"resourceType": "DocumentReference", "id": nid, "status": "current", "subject": {"reference": f"Patient/{pid}"},
               "content": [{"attachment": {"contentType": "text/plain", "data": base64.b64encode(text.encode()).decode()}}]}
        res.update(over)
        return res

    rows = [doc("N1", "P1", "denies dementia"), {"resourceType": "Patient", "id": "P1"}, doc("N2", "P2", "pain 8/10"),
            doc("N3", "P2", "x", status="entered-in-error")]
    path = _write_jsonl(tmp_path / "notes.ndjson", rows)
    records = _records(screen_records(read_notes(spark, str(path))))
    assert sorted((r["patient_id"], r["status"], r.get("error", "")[:4]) for r in records) == \
        [("P1", "ok", ""), ("P2", "error", "E212"), ("P2", "ok", "")]
    assert sorted(n.note_id for n in bulk_read_notes(path) if not isinstance(n, dict)) == ["N1", "N2"]
    bundle = tmp_path / "notes.json"  # the same resources as one Bundle
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": r} for r in rows]}), encoding="utf-8")
    records = _records(screen_records(read_notes(spark, str(bundle))))
    assert sorted((r["patient_id"], r["status"], r.get("error", "")[:4]) for r in records) == \
        [("P1", "ok", ""), ("P2", "error", "E212"), ("P2", "ok", "")]


@pytest.mark.spark
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.jsonl", None, "no such file"),
        ("notes.csv", "patient_id,note_id,text\n", "reads .parquet, .jsonl"),
        ("notes.txt", "x", "unknown input format"),
        ("empty.jsonl", "", "empty"),
    ],
)
def test_spark_read_notes_unreadable_input_is_input_error(spark, tmp_path, name, content, message):
    from screener.errors import InputError
    from screener.spark import read_notes

    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_notes(spark, str(path))


@pytest.mark.spark
@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_spark_cli_writes_one_file(spark, fake_default, tmp_path, suffix, capsys):
    from screener.cli import main
    from screener.io.flatten import PARQUET_COLUMNS

    notes = _write_jsonl(tmp_path / "notes.jsonl", GOOD, ("{broken",))
    out = tmp_path / f"out{suffix}"
    assert main(["spark-screen", str(notes), "-o", str(out), "--master", "local[2]"]) == 0
    assert out.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["notes.jsonl", out.name])  # no scratch left
    if suffix == ".jsonl":
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert sorted(r.get("patient_id") or "" for r in records) == ["", "P1", "P2"]
        assert "3 records, 1 errors" in capsys.readouterr().err
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert tuple(table.column_names) == tuple(PARQUET_COLUMNS)
        assert table.num_rows == 2 * len(PAYERS) + 1


@pytest.mark.spark
def test_spark_cli_as_directory(spark, fake_default, tmp_path):
    from screener.cli import main

    notes = _write_jsonl(tmp_path / "notes.jsonl", GOOD)
    out = tmp_path / "out.jsonl"
    assert main(["spark-screen", str(notes), "-o", str(out), "--as-directory"]) == 0
    lines = [line for part in sorted(out.glob("part-*")) for line in part.read_text().splitlines()]
    assert sorted(json.loads(line)["patient_id"] for line in lines) == ["P1", "P2"]


# --------------------------------------------------------------------------- same answers (real pipeline)


def _sample_extract(path: Path, cases: int = 6) -> Path:
    """The bundled sample cases as jsonl, plus rows the readers must turn into errors."""
    rows = []
    for case in sorted((ROOT / "sample_notes" / "cases").iterdir())[:cases]:
        for note in sorted(case.glob("*.txt")):
            rows.append({"patient_id": case.name, "note_id": note.stem, "text": note.read_text(encoding="utf-8")})
    rows[1]["note_date"] = "not a date"
    rows.append({"patient_id": "PX", "note_id": "EMPTY", "text": "  "})
    rows.append(dict(rows[0]))  # a duplicate note id
    return _write_jsonl(path, rows, ("{broken json",))


def _canonical(records) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in records)


@pytest.mark.spark
def test_spark_same_records_as_bulk_runner_fake_screener(spark, tmp_path):
    """Reading, error rows, duplicates, warnings and case assembly match the bulk runner."""
    from screener.bulk import screen_file
    from screener.spark import read_notes, screen_records

    notes = _sample_extract(tmp_path / "notes.jsonl")
    screen_file(notes, tmp_path / "bulk.jsonl", workers=0, screen_fn=plain_screen_case, progress=False)
    bulk_records = [json.loads(line) for line in (tmp_path / "bulk.jsonl").read_text().splitlines()]
    spark_records = _records(screen_records(read_notes(spark, str(notes)), screener=f"{__name__}:plain_screen_case"))
    assert {r["error"][:4] for r in bulk_records if r["status"] == "error"} == {"E202", "E206", "E207"}
    assert _canonical(spark_records) == _canonical(bulk_records)


@pytest.fixture(scope="module")
def real_outputs(spark, tmp_path_factory):
    """`screener screen` and `screener spark-screen` on the same extract, jsonl and parquet."""
    pytest.importorskip("screener.pipeline", reason="screener.pipeline (lead) not available yet")
    from screener.cli import main

    folder = tmp_path_factory.mktemp("same")
    notes = _sample_extract(folder / "notes.jsonl")
    out = {}
    for suffix in (".jsonl", ".parquet"):
        bulk, sparked = folder / f"bulk{suffix}", folder / f"spark{suffix}"
        args = ["--service-date", "2026-06-01"]
        assert main(["screen", str(notes), "-o", str(bulk), "--workers", "0", "--no-progress", *args]) == 0
        assert main(["spark-screen", str(notes), "-o", str(sparked), *args]) == 0
        out[suffix] = (bulk, sparked)
    return out


@pytest.mark.spark
def test_spark_same_records_as_screen_cli(real_outputs):
    bulk, sparked = real_outputs[".jsonl"]
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    bulk_records, spark_records = read(bulk), read(sparked)
    assert {r["status"] for r in bulk_records} == {"ok", "error"}
    assert _canonical(spark_records) == _canonical(bulk_records)


@pytest.mark.spark
def test_spark_same_flat_rows_as_screen_cli(real_outputs):
    import pyarrow.parquet as pq

    bulk, sparked = real_outputs[".parquet"]
    bulk_rows, spark_rows = pq.read_table(bulk).to_pylist(), pq.read_table(sparked).to_pylist()
    assert pq.read_schema(sparked) == pq.read_schema(bulk)
    assert _canonical(spark_rows) == _canonical(bulk_rows)
