"""The HTML review page (screener.report): spans at exact offsets, escaping, CSP, self-containment.

Built from hand-written records (screener.report.examples) whose evidence offsets are
known, so nothing here depends on extraction quality.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from datetime import date
from html.parser import HTMLParser

import pytest

from screener.model import Note
from screener.report import render_report, write_report
from screener.report.examples import PAYLOADS, demo_case, ev, xss_case


class PageParser(HTMLParser):
    """Collects tags, attributes, the text of each span id, and of each note body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.span_text: dict[str, str] = {}
        self.anchors: dict[tuple[str, int, int, str], str] = {}
        self.note_text: dict[str, str] = {}
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._mark: list[str] | None = None
        self._note: str | None = None
        self._in_ntext = False
        self._raw: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "article" and a.get("data-note") is not None:
            self._note = a["data-note"]
        if tag == "div" and a.get("class") == "ntext":  # holds only marks and empty spans
            self._in_ntext = True
            self.note_text[self._note] = ""
        if tag == "span" and a.get("class") == "anc":
            self.anchors[(self._note, int(a["data-a"]), int(a["data-b"]), a["data-k"])] = a["id"]
        if tag == "mark" and a.get("data-s"):
            self._mark = a["data-s"].split()
        if tag in ("script", "style"):
            self._raw = tag

    def handle_endtag(self, tag):
        if tag == "mark":
            self._mark = None
        if tag == "div":
            self._in_ntext = False
        if tag in ("script", "style"):
            self._raw = None

    def handle_data(self, data):
        if self._raw == "script":
            self.scripts.append(data)
        elif self._raw == "style":
            self.styles.append(data)
        if self._in_ntext:
            self.note_text[self._note] += data
        if self._mark:
            for sid in self._mark:
                self.span_text[sid] = self.span_text.get(sid, "") + data


def parse(page: str) -> PageParser:
    p = PageParser()
    p.feed(page)
    p.close()
    return p


@pytest.fixture(scope="module")
def demo():
    record, notes = demo_case()
    page = render_report([record], notes)
    return record, notes, page, parse(page)


def _all_evidence(record):
    for key, f in record["findings"].items():
        for e in f["evidence"] + f["superseded"]:
            yield key, e
    for e in record["mentions"]:
        yield e["key"], e


def test_report_render_every_span_wrapped_at_exact_offsets(demo):
    record, notes, _, parsed = demo
    checked = 0
    for key, e in _all_evidence(record):
        sid = parsed.anchors[(e["note_id"], e["start"], e["end"], key)]
        assert parsed.span_text[sid] == notes[e["note_id"]].text[e["start"]:e["end"]]
        checked += 1
    assert checked >= 20


def test_report_render_note_text_preserved_exactly(demo):
    _, notes, _, parsed = demo
    assert set(parsed.note_text) == set(notes)
    for nid, note in notes.items():
        assert parsed.note_text[nid] == note.text


@pytest.mark.parametrize(
    "a_phrase,a_key,b_phrase,b_key,note_id",
    [
        ("Pain went from 8/10 to 3/10", "trial_pain_reduction_pct", "3/10 with improved walking tolerance", "trial_functional_improvement", "N2"),
        ("Chronic intractable low back pain, NRS 8/10", "pain_intractable", "NRS 8/10", "pain_score_nrs", "N1"),
    ],
    ids=["crossing", "nested"],
)
def test_report_render_overlapping_spans_share_segments(demo, a_phrase, a_key, b_phrase, b_key, note_id):
    _, notes, page, parsed = demo
    text = notes[note_id].text
    a0, b0 = text.index(a_phrase), text.index(b_phrase)
    sa = parsed.anchors[(note_id, a0, a0 + len(a_phrase), a_key)]
    sb = parsed.anchors[(note_id, b0, b0 + len(b_phrase), b_key)]
    assert parsed.span_text[sa] == a_phrase
    assert parsed.span_text[sb] == b_phrase
    shared = [t for t, a in parsed.tags if t == "mark" and {sa, sb} <= set((a.get("data-s") or "").split())]
    assert shared, "the overlap must be one segment naming both spans"
    assert all("ov" in a["class"].split() for t, a in parsed.tags if t == "mark" and {sa, sb} <= set((a.get("data-s") or "").split()))


@pytest.mark.parametrize(
    "flag,css",
    [("negated", "k-negated"), ("historical", "k-historical"), ("hypothetical", "k-hypothetical"),
     ("family", "k-family"), ("uncertain", "k-uncertain"), (None, "k-affirmed")],
)
def test_report_render_assertion_kinds_styled_distinctly(flag, css):
    note = Note("P1", "N1", "Patient has severe dementia today.")
    e = ev(note, "severe dementia", "dementia", True, **({flag: True} if flag else {}))
    record = {"patient_id": "P1", "status": "ok", "note_ids": ["N1"], "findings": {}, "mentions": [e], "determinations": {}}
    parsed = parse(render_report([record], {"N1": note}))
    marks = [a for t, a in parsed.tags if t == "mark" and a.get("data-s")]
    assert len(marks) == 1 and css in marks[0]["class"].split()
    labels = [a for t, a in parsed.tags if t == "span" and "lbl" in (a.get("class") or "")]
    assert labels and labels[0]["data-l"].startswith("dementia: true")


def test_report_render_superseded_evidence_marked(demo):
    record, notes, _, parsed = demo
    e = record["findings"]["psych_evaluation_done"]["superseded"][0]
    sid = parsed.anchors[(e["note_id"], e["start"], e["end"], "psych_evaluation_done")]
    marks = [a for t, a in parsed.tags if t == "mark" and a.get("data-s") == sid]
    assert marks and "k-superseded" in marks[0]["class"].split()


def test_report_render_criteria_link_to_existing_spans(demo):
    record, _, _, parsed = demo
    ids = {a.get("id") for _, a in parsed.tags if a.get("id")}
    gos = [a["data-go"] for t, a in parsed.tags if t == "li" and a.get("data-go")]
    with_evidence = sum(1 for d in record["determinations"].values() for c in d["criteria"] if c["evidence"])
    assert len(gos) == with_evidence
    for go in gos:
        assert set(go.split()) <= ids


@pytest.mark.parametrize(
    "result,note,label",
    [("met", "not documented, assumed absent", "Assumed absent"), ("met", "", "Met"),
     ("not_met", "", "Not met"), ("missing", "", "Missing")],
)
def test_report_render_criterion_results(result, note, label):
    record = {"patient_id": "P1", "status": "ok", "findings": {}, "determinations": {"uhc": {
        "status": "insufficient_documentation", "policy": "UHC X", "criteria": [
            {"id": "c1", "text": "No coagulopathy", "cite": "Contraindications", "result": result,
             "findings": ["coagulopathy"], "evidence": [], "note": note}],
        "missing": ["coagulopathy"], "reasons": ["coagulopathy is not documented"]}}}
    page = render_report([record], {})
    li = re.search(r'<li class="c c-([a-z_]+)".*?</li>', page, re.S)
    assert li and label in li.group(0)
    assert "No coagulopathy" in li.group(0)
    if note:
        assert note in li.group(0)
    assert "Missing documentation: <code>coagulopathy</code>" in page
    assert "coagulopathy is not documented" in page


def _xss_page():
    records, notes = xss_case()
    return records, notes, render_report(records, notes)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_report_render_payload_in_note_text_is_escaped(payload):
    _, notes, page = _xss_page()
    parsed = parse(page)
    (note,) = notes.values()
    assert payload in parsed.note_text[note.note_id]
    from html import escape

    assert escape(payload, quote=True) in page or escape(payload, quote=False) in page


def test_report_render_injects_no_markup():
    records, notes, page = _xss_page()
    parsed = parse(page)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("script") == 1 and tags.count("style") == 1
    for bad in ("img", "svg", "iframe", "textarea", "object", "embed"):
        assert bad not in tags, bad
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; ampersand" in page
    for tag, attrs in parsed.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
    # ids, values, policy text, reasons, error rows: all present as text only
    for text in ("window.__pwned='pid'", "window.__pwned='nid'", "window.__pwned='value'", "window.__pwned='policy'",
                 "window.__pwned='reason'", "window.__pwned='missing'", "window.__pwned='trace'", "window.__pwned='error'",
                 "window.__pwned='errpid'", "window.__pwned='crit'"):
        assert text.replace("'", "&#x27;") in page, text
    assert "E201" in page


def test_report_render_csp_pins_inline_blocks():
    record, notes = demo_case()
    page = render_report([record], notes)
    parsed = parse(page)
    meta = [a for t, a in parsed.tags if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(meta) == 1
    csp = meta[0]["content"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for source, directive in ((parsed.scripts, "script-src"), (parsed.styles, "style-src")):
        digest = base64.b64encode(hashlib.sha256("".join(source).encode()).digest()).decode()
        assert re.search(rf"{directive} 'sha256-{re.escape(digest)}'", csp)
    assert page.index("Content-Security-Policy") < page.index("<style>")


def test_report_render_no_external_resources():
    records, notes = xss_case()
    record, demo_notes = demo_case()
    page = render_report([record, *records], {**demo_notes, **notes})
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        if "href" in attrs:
            assert attrs["href"].startswith("#"), attrs["href"]
        if "action" in attrs:
            pytest.fail("a report has no form")
    assert not re.search(r"(?:https?:)?//[a-z0-9]", re.sub(r"<div class=\"ntext\">.*?</div>", "", page, flags=re.S), re.I)
    assert "@import" not in page and "url(" not in page


def test_report_render_case_list_and_error_rows():
    records, notes = xss_case()
    record, demo_notes = demo_case()
    parsed = parse(render_report([record, *records], {**demo_notes, **notes}))
    items = [a for t, a in parsed.tags if t == "li" and "ci" in (a.get("class") or "").split()]
    assert [i["data-st"] for i in items] == ["uhc:meets_criteria molina:insufficient_documentation", "cohere:does_not_meet", "error"]
    sections = [a for t, a in parsed.tags if t == "section"]
    assert [("hidden" in s) for s in sections] == [False, True, True]
    options = [a["value"] for t, a in parsed.tags if t == "option"]
    assert {"uhc", "molina", "cohere", "meets_criteria", "error"} <= set(options)


@pytest.mark.parametrize(
    "evidence,problem",
    [({"note_id": "N1", "start": 5, "end": 999, "text": "x"}, "out of range"),
     ({"note_id": "NOPE", "start": 0, "end": 4, "text": "gone"}, "missing note"),
     ({"note_id": "N1", "start": "a", "end": 4}, "bad offsets")],
)
def test_report_render_unplaceable_evidence_reported(evidence, problem):
    note = Note("P1", "N1", "Short note.")
    record = {"patient_id": "P1", "status": "ok", "note_ids": ["N1"], "mentions": [],
              "findings": {"dementia": {"value": False, "evidence": [evidence]}}, "determinations": {}}
    page = render_report([record], {"N1": note})
    assert "1 evidence span(s) could not be placed" in page
    assert parse(page).note_text["N1"] == note.text


def test_report_render_empty_and_bulk():
    assert "No cases to show" in render_report([], {})
    notes, records = {}, []
    for i in range(300):
        n = Note(f"P{i}", f"N{i}", f"Patient {i}: denies dementia.", note_date=date(2026, 1, 1))
        notes[n.note_id] = n
        records.append({"patient_id": n.patient_id, "status": "ok", "note_ids": [n.note_id], "mentions": [
            ev(n, "denies dementia", "dementia", False, negated=True)], "findings": {},
            "determinations": {"uhc": {"status": "meets_criteria", "criteria": []}}})
    parsed = parse(render_report(records, notes))
    assert sum(1 for t, a in parsed.tags if t == "section") == 300
    assert len(parsed.anchors) == 300 and len(set(parsed.anchors.values())) == 300


def test_report_write_report_owner_only(tmp_path):
    record, notes = demo_case()
    path = write_report([record], notes, tmp_path / "sub" / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_report_render_record_warnings_shown():
    note = Note("P1", "N1", "Short note.")
    record = {"patient_id": "P1", "status": "ok", "note_ids": ["N1"], "findings": {}, "determinations": {},
              "warnings": ["W201 note N1: note_date is not an ISO date (YYYY-MM-DD); read as undated"]}
    page = render_report([record], {"N1": note})
    assert "W201 note N1: note_date is not an ISO date" in page


def test_report_render_checklist_is_the_nested_policy_tree():
    """All/any groups hold their children in a collapsible <details>, open unless met; every
    criterion row of the determination is rendered once, leaves with their evidence."""
    from screener.gold import load_gold
    from screener.pipeline import screen_case

    (case,) = [c for c in load_gold(os.path.join(os.path.dirname(__file__), "..", "sample_notes")) if c.patient_id == "C10"]
    record = screen_case(case.plain_notes, payers=["lhcc"], service_date=case.service_date)
    page = render_report([record], {n.note_id: n for n in case.plain_notes})
    rows = record["determinations"]["lhcc"]["criteria"]
    groups = [r for r in rows if r["kind"] in ("all", "any", "not")]
    assert groups and page.count('<details class="sub"') == sum(
        1 for i, r in enumerate(rows) if r in groups and i + 1 < len(rows) and rows[i + 1]["depth"] > r["depth"])
    assert page.count('<li class="c ') == len(rows)
    assert re.search(r'<li class="c c-missing grp"[^>]*>.*?<details class="sub" open>', page, re.S)
    assert page.count("<ol") == page.count("</ol>") and page.count("<details") == page.count("</details>")
