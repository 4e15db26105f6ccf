"""The review app and JSON API (screener.web) on an ephemeral 127.0.0.1 port.

The screening function is injected (``fake_screen_case``: contract-shaped records with
evidence at known offsets), so these tests check HTTP behaviour, not extraction. One test
at the end round-trips the real pipeline.
"""
from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import uuid

import pytest

from screener.report.examples import example_screen_case
from screener.web.app import ReviewService, make_server

PAYERS = ("uhc", "lhcc", "cohere", "molina")
CALLS: list[dict] = []


def fake_screen_case(notes, payers=None, service_date=None):
    """The examples' stand-in screen_case (negated `dementia` spans at known offsets), recording its calls."""
    CALLS.append({"payers": payers, "service_date": service_date, "note_ids": [n.note_id for n in notes]})
    return example_screen_case(notes, payers=payers, service_date=service_date)


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def server():
    capture = LogCapture()
    logger = logging.getLogger("screener.web")
    logger.addHandler(capture)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    srv = make_server("127.0.0.1", 0, service=ReviewService(fake_screen_case, payers=PAYERS, warm=False), max_body_bytes=64 * 1024)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.capture = capture
    yield srv
    srv.shutdown()
    srv.server_close()
    logger.removeHandler(capture)
    logger.setLevel(old_level)


def request(srv, method, path, body=None, headers=None):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    hdrs = {"Host": f"{host}:{port}"}
    hdrs.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def note(pid="P1", nid="N1", text="Patient denies dementia.", **extra):
    return {"patient_id": pid, "note_id": nid, "text": text, **extra}


def test_web_app_healthz_and_openapi(server):
    status, headers, body = request(server, "GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "payers": list(PAYERS), "worklist": False}
    status, headers, body = request(server, "GET", "/openapi.json")
    spec = json.loads(body)
    assert status == 200 and spec["openapi"].startswith("3.")
    assert {"/screen", "/healthz", "/api/worklist", "/api/cases/{patient_id}/decisions"} <= set(spec["paths"])
    assert {"CaseRecord", "ScreenRequest", "NoteIn", "DecisionIn", "ErrorOut"} <= set(spec["components"]["schemas"])
    screen_body = spec["paths"]["/screen"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/ScreenRequest"} in screen_body["anyOf"]


@pytest.mark.parametrize(
    "payload,expect_payers,expect_date",
    [
        ([note(), note(nid="N2", text="Second note."), note(pid="P2", nid="N3")], None, None),
        ({"notes": [note()], "payers": ["UHC", "molina"], "service_date": "2026-08-01"}, ["uhc", "molina"], "2026-08-01"),
        ({"notes": [note()], "payers": None, "service_date": None}, None, None),
    ],
    ids=["list", "object", "object-nulls"],
)
def test_web_app_screen_round_trip(server, payload, expect_payers, expect_date):
    CALLS.clear()
    status, headers, body = request(server, "POST", "/screen", payload)
    assert status == 200 and headers["content-type"].startswith("application/json")
    records = json.loads(body)
    notes = payload["notes"] if isinstance(payload, dict) else payload
    assert [r["patient_id"] for r in records] == list(dict.fromkeys(n["patient_id"] for n in notes))
    assert CALLS[0]["payers"] == expect_payers
    assert (CALLS[0]["service_date"].isoformat() if CALLS[0]["service_date"] else None) == expect_date
    assert set(records[0]["determinations"]) == set(expect_payers or PAYERS)
    ev = records[0]["findings"]["dementia"]["evidence"][0]
    assert notes[0]["text"][ev["start"]:ev["end"]] == "dementia"


@pytest.mark.parametrize(
    "bad,code",
    [
        ({"patient_id": "P1", "text": "x"}, "E201"),
        ({"patient_id": "P1", "note_id": "N9", "text": "   "}, "E202"),
        ({"patient_id": "P1", "note_id": "N9", "text": 42}, "E203"),
        ("not an object", "E207"),
    ],
)
def test_web_app_bad_note_becomes_error_row(server, bad, code):
    status, _, body = request(server, "POST", "/screen", [note(), bad])
    records = json.loads(body)
    assert status == 200
    assert records[0]["status"] == "ok"
    assert records[-1]["status"] == "error" and records[-1]["error"].startswith(code)


@pytest.mark.parametrize(
    "body,ctype,status,fragment",
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"\xff\xfe", "application/json", 400, "not UTF-8"),
        (b"42", "application/json", 400, "expected a JSON list"),
        (b"[]", "application/json", 400, "no notes"),
        (b'{"notes": [], "payer": ["uhc"]}', "application/json", 400, "unknown field 'payer'"),
        (b'{"payers": ["uhc"]}', "application/json", 400, "missing field 'notes'"),
        (b'{"notes": [{"patient_id":"P","note_id":"N","text":"t"}], "payers": ["aetna"]}', "application/json", 400, "unknown payer"),
        (b'{"notes": [{"patient_id":"P","note_id":"N","text":"t"}], "service_date": "08/01/2026"}', "application/json", 400, "ISO date"),
        (b"[]", "text/plain", 415, "application/json"),
    ],
)
def test_web_app_bad_input_is_one_line_json(server, body, ctype, status, fragment):
    got, headers, data = request(server, "POST", "/screen", body, {"Content-Type": ctype})
    assert got == status
    err = json.loads(data)
    assert err["status"] == status and fragment in err["error"] and "\n" not in err["error"]


@pytest.mark.parametrize(
    "method,path,status,allow",
    [("GET", "/nope", 404, None), ("GET", "/screen", 405, "POST"), ("DELETE", "/healthz", 405, "GET, HEAD"),
     ("PUT", "/", 405, "GET, HEAD"), ("GET", "/review", 405, "POST")],
)
def test_web_app_404_405(server, method, path, status, allow):
    got, headers, data = request(server, method, path)
    assert got == status and json.loads(data)["status"] == status
    assert headers.get("allow") == allow


def test_web_app_413_before_reading_body(server):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("POST", "/screen")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(10 * 1024 * 1024))
    conn.endheaders()  # no body sent: the server must answer without waiting for it
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    assert resp.status == 413 and "over the limit" in data["error"]


def test_web_app_413_real_body(server):
    big = [note(text="pain " * 20000)]
    status, _, data = request(server, "POST", "/screen", big)
    assert status == 413 and json.loads(data)["status"] == 413


def test_web_app_411_without_length(server):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("POST", "/screen")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411 and "Content-Length" in json.loads(resp.read())["error"]
    conn.close()


@pytest.mark.parametrize(
    "headers,status",
    [({"Host": "evil.example:8765"}, 400), ({"Origin": "http://evil.example"}, 403), ({"Origin": "null"}, 403),
     ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 403), ({"Sec-Fetch-Site": "same-site"}, 403)],
)
def test_web_app_rejects_foreign_host_and_origin(server, headers, status):
    got, _, data = request(server, "POST", "/screen", [note()], headers)
    assert got == status and json.loads(data)["status"] == status


@pytest.mark.parametrize("origin,fetch_site", [("self", None), (None, "same-origin"), ("null", "same-origin"), (None, "none")])
def test_web_app_same_origin_post_allowed(server, origin, fetch_site):
    host, port = server.server_address[:2]
    headers = {}
    if origin:
        headers["Origin"] = f"http://{host}:{port}" if origin == "self" else origin
    if fetch_site:
        headers["Sec-Fetch-Site"] = fetch_site
    status, _, _ = request(server, "POST", "/screen", [note()], headers)
    assert status == 200


@pytest.mark.parametrize("path,method", [("/", "GET"), ("/healthz", "GET"), ("/screen", "POST"), ("/nope", "GET")])
def test_web_app_security_headers(server, path, method):
    status, headers, _ = request(server, method, path, [note()] if method == "POST" else None)
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert headers["server"] == "screener"


def test_web_app_log_has_no_note_text(server):
    marker = f"SECRET-{uuid.uuid4().hex}"
    # earlier tests' handlers may still be writing their log lines: let them settle first
    settled = -1
    while settled != len(server.capture.lines):
        settled = len(server.capture.lines)
        time.sleep(0.2)
    server.capture.lines.clear()
    request(server, "POST", "/screen", [note(text=f"{marker} denies dementia", pid=f"PID-{marker}")])
    request(server, "POST", "/screen", b"{" + marker.encode(), {"Content-Type": "application/json"})
    request(server, "GET", f"/?q={marker}")
    request(server, "POST", "/review", f"text={marker}&patient_id=P1".encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    # the handler logs after the response is sent: wait (bounded) for the fourth line
    deadline = time.monotonic() + 5
    while len(server.capture.lines) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = server.capture.lines
    assert lines == ["POST /screen 200 " + lines[0].split()[-1], "POST /screen 400 " + lines[1].split()[-1],
                     "GET / 200 " + lines[2].split()[-1], "POST /review 200 " + lines[3].split()[-1]]
    assert not any(marker in line for line in lines)


def _multipart(fields, files=()):
    boundary = "----screenerTest" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_web_app_review_form_escapes_pasted_note(server):
    payload = "</textarea><script>window.__pwned=1</script><img src=x onerror=alert(1)> denies dementia"
    body, headers = _multipart([("text", payload), ("patient_id", "P<b>1"), ("note_id", "N1"), ("note_date", "2026-01-02"),
                                ("payers", "uhc"), ("payers", "cohere"), ("service_date", "2026-08-01")])
    status, hdrs, data = request(server, "POST", "/review", body, headers)
    page = data.decode()
    assert status == 200 and hdrs["content-type"].startswith("text/html")
    assert "form-action 'self'" in hdrs["content-security-policy"]
    assert page.count("<script>") == 1 and "<img" not in page and page.count("</textarea>") == 1
    assert "&lt;/textarea&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert 'data-st="uhc:insufficient_documentation cohere:insufficient_documentation"' in page
    assert "P&lt;b&gt;1" in page


@pytest.mark.parametrize(
    "filename,data,expect",
    [
        ("notes.jsonl", b'{"patient_id":"P7","note_id":"N7","text":"denies dementia"}\n{"patient_id":"P8","text":"x"}\n', ["P7", "error"]),
        ("notes.csv", b"patient_id,note_id,text\nP5,N5,denies dementia\n", ["P5"]),
        ("visit 1.txt", b"Patient denies dementia.", ["visit_1"]),
        ("bundle.json", json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
            "resourceType": "DocumentReference", "id": "N9", "status": "current", "subject": {"reference": "Patient/P9"},
            "content": [{"attachment": {"contentType": "text/plain", "data": "ZGVuaWVzIGRlbWVudGlh"}}]}}]}).encode(), ["P9"]),
    ],
)
def test_web_app_review_upload(server, filename, data, expect):
    body, headers = _multipart([("payers", "uhc")], [("file", filename, data)])
    status, _, page = request(server, "POST", "/review", body, headers)
    page = page.decode()
    assert status == 200
    for token in expect:
        assert (f'data-pid="{token.lower()}"' in page) or (f'data-st="{token}"' in page)


@pytest.mark.parametrize(
    "fields,files,fragment",
    [
        ([("payers", "uhc")], [], "paste a note or choose a file"),
        ([("text", "x"), ("payers", "bogus")], [], "unknown payer"),
        ([("text", "x"), ("service_date", "tomorrow")], [], "ISO date"),
        ([], [("file", "notes.exe", b"MZ")], "upload must be one of"),
        ([], [("file", "notes.csv", b"a,b\n1,2\n")], "notes.csv"),
    ],
)
def test_web_app_review_bad_form_is_400_page(server, fields, files, fragment):
    body, headers = _multipart(fields, files)
    status, hdrs, page = request(server, "POST", "/review", body, headers)
    assert status == 400 and hdrs["content-type"].startswith("text/html")
    assert 'class="formerr"' in page.decode() and fragment in page.decode()


def test_web_app_real_pipeline_round_trip():
    pytest.importorskip("screener.pipeline")
    srv = make_server("127.0.0.1", 0, service=ReviewService())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        text = ("58 y/o male with failed back surgery syndrome, chronic intractable low back pain. "
                "Denies dementia. Request intrathecal pump trial.")
        status, _, body = request(srv, "POST", "/screen", {"notes": [note(text=text)], "service_date": "2026-08-01"})
    finally:
        srv.shutdown()
        srv.server_close()
    records = json.loads(body)
    assert status == 200 and len(records) == 1
    assert records[0]["patient_id"] == "P1" and records[0]["status"] == "ok"
    assert set(records[0]["determinations"]) == set(PAYERS)
    for mention in records[0].get("mentions") or []:
        assert text[mention["start"]:mention["end"]] == mention["text"]


@pytest.mark.parametrize(
    "argv,host,port,max_body",
    [(["serve"], "127.0.0.1", 8765, str(16 * 1024 * 1024)), (["serve", "--port", "0", "--max-body", "2MB"], "127.0.0.1", 0, "2MB")],
)
def test_web_cli_serve_defaults_to_loopback(argv, host, port, max_body):
    from screener.cli import build_parser

    args = build_parser().parse_args(argv)
    assert (args.host, args.port, args.max_body) == (host, port, max_body)


def test_web_app_head_and_crlf_paste(server):
    status, headers, body = request(server, "HEAD", "/healthz")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    body, hdrs = _multipart([("text", "line one\r\nPatient denies dementia.\r\n"), ("payers", "uhc")])
    status, _, page = request(server, "POST", "/review", body, hdrs)
    assert status == 200 and b"line one\nPatient denies " in page and b"\r" not in page.split(b"<textarea")[1].split(b"</textarea>")[0]
