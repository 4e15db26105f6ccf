"""The worklist in the app (``screener serve --db``): pages, decisions, JSON API, safety.

Real pipeline records of two sample cases plus one case whose note and patient id carry
markup; a SQLite worklist; the "where to look" model trained on a small corpus.
"""
from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from screener.gold import load_gold
from screener.model import Note
from screener.pipeline import screen_case
from screener.suggest import Suggester
from screener.web.app import make_server
from screener.web.service import ReviewService
from screener.worklist import store
from screener.worklist.db import open_database

ROOT = Path(__file__).resolve().parents[1]
XSS_PID = "X<img src=x onerror=alert(1)>"
XSS_TEXT = ("58 y/o with failed back surgery syndrome. </pre><script>window.__pwned=1</script> "
            "Denies dementia. Request intrathecal pump trial.")


def slow_screen(notes, payers=None, service_date=None):
    time.sleep(1.5)
    from screener.report.examples import example_screen_case

    return example_screen_case(notes, payers=payers, service_date=service_date)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    cases = [c for c in load_gold(ROOT / "sample_notes") if c.patient_id in ("C01", "C10")]
    xss = Note(XSS_PID, "XN1", XSS_TEXT, None)
    records = [screen_case(c.plain_notes, service_date=c.service_date) for c in cases] + [screen_case([xss])]
    notes = {gn.note.note_id: gn.note for c in cases for gn in c.notes} | {"XN1": xss}
    db = open_database(tmp_path_factory.mktemp("wl") / "w.db")
    store.load_cases(db, records, notes)
    suggester = Suggester.train([ROOT / "sample_notes", ROOT / "eval" / "holdout11"])
    srv = make_server("127.0.0.1", 0, service=ReviewService(slow_screen, warm=False), db=db, suggester=suggester)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, db
    srv.shutdown()
    srv.server_close()
    db.dispose()


def request(srv, method, path, body=None, headers=None):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=60)
    hdrs = {"Host": f"{host}:{port}"}
    hdrs.update(headers or {})
    if isinstance(body, dict) and hdrs.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(body).encode()
    elif isinstance(body, dict):
        body = urllib.parse.urlencode(body, doseq=True).encode()
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def _leaf_id(db, pid, payer, key):
    view = store.case_view(db, pid)
    det = view.reviewer_determinations[payer]
    return next(c["id"] for c in det["criteria"] if c["kind"] == "leaf" and c["findings"] == [key])


@pytest.mark.parametrize(
    "query,expected",
    [("", {"C01", "C10", XSS_PID}), ("?payer=cohere&status=insufficient_documentation", None), ("?state=done", set())],
    ids=["all", "payer-status", "state"],
)
def test_worklist_page_lists_and_filters(served, query, expected):
    srv, db = served
    status, headers, data = request(srv, "GET", "/worklist" + query)
    page = data.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    shown = {html_unescape(m) for m in re.findall(r'data-pid="([^"]*)"', page)}
    if expected is None:
        expected = {r["patient_id"] for r in store.worklist(db, payer="cohere", status="insufficient_documentation")}
    assert shown == expected
    assert "<img" not in page


def html_unescape(text):
    import html

    return html.unescape(text)


def test_worklist_case_page_escapes_note_and_shows_the_nested_checklist(served):
    srv, _ = served
    status, headers, data = request(srv, "GET", "/worklist/" + urllib.parse.quote(XSS_PID, safe=""))
    page = data.decode()
    assert status == 200
    assert "window.__pwned" in page and "<script>window.__pwned" not in page and "<img" not in page
    assert page.count("<script>") == 2  # the report's and the worklist's own, both allowed by hash
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and csp.count("'sha256-") == 3  # two scripts and the style


def test_worklist_case_page_tree_suggestions_and_forms(served):
    srv, _ = served
    status, _, data = request(srv, "GET", "/worklist/C10")
    page = data.decode()
    assert status == 200
    assert page.count('class="grp ') >= 4  # all/any groups, nested in <details>
    assert re.search(r'<li class="grp c-\w+"><details[^>]*><summary>.*?<b>ALL of</b>', page)
    assert 'class="sugs"' in page and 'class="sug"' in page  # "where to look" for a missing leaf
    assert page.count('class="dec"') >= 10  # a decision form per leaf
    assert 'id="wl-statuses"' in page


def test_worklist_decision_form_overrides_and_recomputes(served):
    srv, db = served
    leaf = _leaf_id(db, "C01", "lhcc", "trial_pain_reduction_pct")
    view = store.case_view(db, "C01")
    note_id = next(iter(view.notes))
    form = {"payer": "lhcc", "criterion_id": leaf, "key": "trial_pain_reduction_pct", "verdict": "not_met",
            "reviewer": "rn.a", "reason": "diary shows 40%", "value": "", "span_note": note_id, "span_start": "0",
            "span_end": "12"}
    status, headers, _ = request(srv, "POST", "/worklist/C01/decisions", form)
    assert status == 303 and headers["location"].startswith("/worklist/C01?reviewer=rn.a#c-")
    status, _, data = request(srv, "GET", "/worklist/C01")
    page = data.decode()
    row = re.search(r'<tr data-payer="lhcc">(.*?)</tr>', page).group(1)
    assert "Meets criteria" in row.split('class="rev"')[0] and "Does not meet" in row.split('class="rev"')[1]
    assert "diary shows 40%" in page  # the audit trail


@pytest.mark.parametrize(
    "body,status,fragment",
    [
        ({"key": "dementia", "verdict": "met", "reviewer": "x"}, 400, "give the value"),
        ({"key": "dementia", "verdict": "sure", "reviewer": "x"}, 400, "verdict"),
        ({"key": "dementia"}, 400, "verdict"),
        ({"key": "dementia", "verdict": "met", "reviewer": "x", "extra": 1}, 400, "extra"),
    ],
    ids=["no-value", "bad-verdict", "missing-field", "unknown-field"],
)
def test_worklist_api_bad_decision_is_one_line(served, body, status, fragment):
    srv, _ = served
    got, _, data = request(srv, "POST", "/api/cases/C10/decisions", body, {"Content-Type": "application/json"})
    err = json.loads(data)
    assert got == status and fragment in err["error"] and "\n" not in err["error"]


def test_worklist_api_decide_and_read_back(served):
    srv, db = served
    leaf = _leaf_id(db, "C10", "cohere", "home_exercise_program")
    body = {"key": "home_exercise_program", "verdict": "met", "reviewer": "md.b", "payer": "cohere", "criterion_id": leaf}
    status, _, data = request(srv, "POST", "/api/cases/C10/decisions", body, {"Content-Type": "application/json"})
    assert status == 200 and json.loads(data)["value"] == {"value": True, "bound": None}
    status, _, data = request(srv, "GET", "/api/cases/C10")
    case = json.loads(data)
    assert case["in_force"]["home_exercise_program"]["reviewer"] == "md.b"
    assert case["state"] == "in_review"
    status, _, data = request(srv, "GET", "/api/cases/NOPE")
    assert status == 404 and "no case" in json.loads(data)["error"]


def test_worklist_posts_are_same_origin_only(served):
    srv, _ = served
    status, _, _ = request(srv, "POST", "/worklist/C10/state", {"state": "done", "reviewer": "x"},
                           {"Origin": "http://evil.example"})
    assert status == 403


def test_worklist_log_has_route_templates_not_patient_ids(served):
    srv, _ = served
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Capture()
    logger = logging.getLogger("screener.web")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        settled = -1
        while settled != len(records):  # the earlier tests' lines are written after their responses
            settled = len(records)
            time.sleep(0.2)
        records.clear()
        request(srv, "GET", "/worklist/C10?reviewer=secret-name")
        request(srv, "GET", "/api/cases/C01")
        deadline = time.monotonic() + 5
        while len(records) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    assert records[:2] == ["GET /worklist/{patient_id} 200 " + records[0].split()[-1],
                           "GET /api/cases/{patient_id} 200 " + records[1].split()[-1]]


def test_worklist_pages_are_served_while_a_screening_runs(served):
    srv, _ = served
    done = {}
    body = json.dumps([{"patient_id": "P", "note_id": "N", "text": "denies dementia"}]).encode()
    worker = threading.Thread(target=lambda: done.setdefault("screen", request(
        srv, "POST", "/screen", body, {"Content-Type": "application/json"})))
    worker.start()
    time.sleep(0.3)  # the screening (1.5 s) is running
    started = time.monotonic()
    status, _, _ = request(srv, "GET", "/healthz")
    health_s = time.monotonic() - started
    status2, _, _ = request(srv, "GET", "/worklist")
    worker.join(10)
    assert status == 200 and status2 == 200 and done["screen"][0] == 200
    assert health_s < 1.0, f"/healthz waited {health_s:.2f} s for the screening"


def test_worklist_routes_without_a_database_say_how_to_get_one():
    srv = make_server("127.0.0.1", 0, service=ReviewService(slow_screen, warm=False))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        status, _, data = request(srv, "GET", "/worklist")
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 404 and "--db" in json.loads(data)["error"]


def test_worklist_app_on_postgresql(postgres_url):
    """`serve --db postgresql+psycopg://...`: the same pages and decisions on a real PostgreSQL server."""
    from screener.worklist.db import Base

    db = open_database(postgres_url)
    Base.metadata.drop_all(db)
    with db.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.dispose()
    db = open_database(postgres_url)
    (case,) = [c for c in load_gold(ROOT / "sample_notes") if c.patient_id == "C10"]
    store.load_cases(db, [screen_case(case.plain_notes, service_date=case.service_date)],
                     {gn.note.note_id: gn.note for gn in case.notes})
    srv = make_server("127.0.0.1", 0, service=ReviewService(slow_screen, warm=False), db=db,
                      suggester=Suggester.train([ROOT / "sample_notes"]))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        status, _, data = request(srv, "GET", "/worklist?missing=home_exercise_program")
        assert status == 200 and 'data-pid="C10"' in data.decode()
        leaf = _leaf_id(db, "C10", "lhcc", "pain_intractable")
        body = {"key": "pain_intractable", "verdict": "not_met", "reviewer": "md.pg", "payer": "lhcc", "criterion_id": leaf}
        status, _, _ = request(srv, "POST", "/api/cases/C10/decisions", body, {"Content-Type": "application/json"})
        assert status == 200
        status, _, data = request(srv, "GET", "/api/cases/C10")
        assert json.loads(data)["reviewer"]["lhcc"] == "does_not_meet"
        status, _, data = request(srv, "GET", "/worklist/C10")
        assert status == 200 and "md.pg" in data.decode()
    finally:
        srv.shutdown()
        srv.server_close()
        db.dispose()


def test_worklist_cli_serve_takes_a_database_url():
    from screener.cli import build_parser

    args = build_parser().parse_args(["serve", "--db", "postgresql+psycopg://u@127.0.0.1/w"])
    assert args.db == "postgresql+psycopg://u@127.0.0.1/w" and args.host == "127.0.0.1"
