"""The reviewer's page: notes with evidence highlighted, each payer's criteria checklist beside them.

Input is contract-shaped data only (``docs/INTERFACES.md``, "The case record"): case
records and error rows as produced by ``screener.pipeline.screen_case`` / ``screener
screen``, plus the notes (``note_id -> Note``) so spans can be placed by their
``start``/``end`` character offsets. The page is one self-contained HTML document:
inline CSS and JS pinned by hash in a Content-Security-Policy meta tag, no external
resource of any kind (PHI must not leave the machine).

Security: every text node and attribute value that comes from data (note text, ids,
finding values, policy text, reasons) goes through :func:`html.escape` with
``quote=True``; element ids and the ``data-s``/``data-go`` span references are
generated here (``e<n>``, ``case-<n>``), never taken from input.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..model import Note
from .assets import CSS, JS, content_security_policy

PAYER_ORDER = ("uhc", "lhcc", "cohere", "molina")
PAYER_NAMES = {"uhc": "UnitedHealthcare", "lhcc": "Louisiana Healthcare Connections", "cohere": "Cohere Health", "molina": "Molina Healthcare"}
STATUSES = ("meets_criteria", "does_not_meet", "insufficient_documentation", "external_criteria", "not_addressed")
STATUS_LABELS = {
    "meets_criteria": "Meets criteria",
    "does_not_meet": "Does not meet",
    "insufficient_documentation": "Insufficient documentation",
    "external_criteria": "External criteria",
    "not_addressed": "Not addressed",
    "error": "Error",
}
STATUS_SHORT = {
    "meets_criteria": "\u2713",
    "does_not_meet": "\u2717",
    "insufficient_documentation": "?",
    "external_criteria": "ext",
    "not_addressed": "n/a",
}
RESULT_LABELS = {
    "met": "\u2713 Met",
    "not_met": "\u2717 Not met",
    "missing": "? Missing",
    "assumed_absent": "\u25cb Assumed absent",
}
# Assertion kinds, in the order that decides a span's main style.
KINDS = ("negated", "family", "hypothetical", "historical", "uncertain", "superseded", "affirmed")
KIND_LEGEND = (
    ("affirmed", "affirmed evidence"),
    ("negated", "negated (documented absent)"),
    ("historical", "historical"),
    ("hypothetical", "hypothetical / planned"),
    ("family", "family history"),
    ("uncertain", "uncertain"),
    ("superseded", "superseded by newer note"),
)


def e(value: Any) -> str:
    """Escape any value for a text node or a double-quoted attribute."""
    if value is None:
        return ""
    return escape(str(value), quote=True)


def _fmt_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "null"
    return str(value)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


@dataclass
class _Span:
    sid: str
    note_id: str
    start: int
    end: int
    key: str
    value: Any
    flags: set[str] = field(default_factory=set)  # assertion flags seen on this span
    roles: set[str] = field(default_factory=set)  # evidence | superseded | mention

    @property
    def kind(self) -> str:
        for k in KINDS[:5]:
            if k in self.flags:
                return k
        if "superseded" in self.roles and "evidence" not in self.roles:
            return "superseded"
        return "affirmed"

    @property
    def label(self) -> str:
        kind = self.kind
        base = f"{self.key}: {_fmt_value(self.value)}" if self.value is not None else self.key
        return base if kind == "affirmed" else f"{base} ({kind})"


class _Ids:
    """Generates document-wide element ids; never derived from input."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"e{self.n}"


class _CaseSpans:
    """Every highlightable span of one case, de-duplicated by (note, start, end, key)."""

    def __init__(self, ids: _Ids, notes: Mapping[str, Note]):
        self.ids = ids
        self.notes = notes
        self.by_ident: dict[tuple, _Span] = {}
        self.by_note: dict[str, list[_Span]] = defaultdict(list)
        self.unplaced = 0
        self.mismatched = 0

    def add(self, ev: Any, role: str, key: str | None = None, value: Any = None) -> _Span | None:
        if not isinstance(ev, Mapping):
            return None
        note_id = ev.get("note_id")
        start, end = ev.get("start"), ev.get("end")
        key = ev.get("key") or key or ""
        value = ev.get("value", value) if "value" in ev else value
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            self.unplaced += 1
            return None
        note = self.notes.get(str(note_id)) if note_id is not None else None
        if note is None or not (0 <= start < end <= len(note.text)):
            self.unplaced += 1
            return None
        ident = (str(note_id), start, end, str(key))
        span = self.by_ident.get(ident)
        if span is None:
            span = _Span(self.ids.next(), str(note_id), start, end, str(key), value)
            self.by_ident[ident] = span
            self.by_note[str(note_id)].append(span)
            quoted = ev.get("text")
            if isinstance(quoted, str) and quoted and quoted != note.text[start:end]:
                self.mismatched += 1
        span.flags |= {k for k in ("negated", "historical", "hypothetical", "family", "uncertain") if ev.get(k)}
        span.roles.add(role)
        return span

    def find(self, ev: Any, key: str | None = None) -> _Span | None:
        """The span an evidence dict refers to (matching the key when it names one)."""
        if not isinstance(ev, Mapping):
            return None
        note_id, start, end = ev.get("note_id"), ev.get("start"), ev.get("end")
        k = ev.get("key") or key
        if k is not None:
            hit = self.by_ident.get((str(note_id), start, end, str(k)))
            if hit is not None:
                return hit
        for span in self.by_note.get(str(note_id), ()):
            if span.start == start and span.end == end:
                return span
        return None


def _render_note_text(text: str, spans: Sequence[_Span]) -> str:
    """The note text with every span wrapped at its exact offsets.

    Overlapping spans are cut at every boundary into segments; each ``<mark>`` lists all
    the spans covering it in ``data-s``, so one span's text is the concatenation of the
    marks naming it. Anchors and labels are empty elements (the label text comes from CSS
    ``attr()``), so the page's text content equals the note text exactly.
    """
    if not spans:
        return e(text)
    starts: dict[int, list[_Span]] = defaultdict(list)
    ends: dict[int, list[_Span]] = defaultdict(list)
    for s in spans:
        starts[s.start].append(s)
        ends[s.end].append(s)
    bounds = sorted({0, len(text), *starts.keys(), *ends.keys()})
    out: list[str] = []
    active: list[_Span] = []
    for a, b in zip(bounds, bounds[1:]):
        opening = starts.get(a, ())
        for s in opening:
            out.append(f'<span class="anc" id="{s.sid}" data-a="{s.start}" data-b="{s.end}" data-k="{e(s.key)}"></span>')
        active = [s for s in active if s.end > a]
        active.extend(opening)
        seg = e(text[a:b])
        if active:
            kinds = {s.kind for s in active}
            # An affirmed span wins the colour when it overlaps a negated one.
            main = "affirmed" if "affirmed" in kinds else next(k for k in KINDS if k in kinds)
            cls = f"hl k-{main}" + (" ov" if len(active) > 1 else "")
            ids = " ".join(s.sid for s in active)
            title = "; ".join(s.label for s in active)
            out.append(f'<mark class="{cls}" data-s="{ids}" title="{e(title)}">{seg}</mark>')
        else:
            out.append(seg)
        for s in ends.get(b, ()):
            out.append(f'<span class="lbl k-{s.kind}" data-l="{e(s.label)}"></span>')
    return "".join(out)


def _iso(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return "" if value is None else str(value)


def _status_badge(status: str, text: str | None = None, cls: str = "badge") -> str:
    st = status if status in STATUS_LABELS else "unknown"
    return f'<span class="{cls} st-{st}">{e(text if text is not None else STATUS_LABELS.get(status, status))}</span>'


def _payers_of(record: Mapping[str, Any]) -> list[str]:
    dets = record.get("determinations") or {}
    known = [p for p in PAYER_ORDER if p in dets]
    return known + sorted(p for p in dets if p not in PAYER_ORDER)


def _criterion_result(crit: Mapping[str, Any]) -> str:
    result = str(crit.get("result") or "")
    note = str(crit.get("note") or "")
    if result == "assumed_absent" or (result == "met" and "assumed absent" in note.lower()):
        return "assumed_absent"
    return result if result in RESULT_LABELS else "unknown"


def _chip(span: _Span | None, ev: Mapping[str, Any], notes: Mapping[str, Note]) -> str:
    if span is not None:
        note = notes[span.note_id]
        quote = _short(note.text[span.start:span.end], 60)
        return (
            f'<a class="chip" href="#{span.sid}" data-go="{span.sid}" title="{e(span.label)}">'
            f"{e(span.note_id)}: \u201c{e(quote)}\u201d</a>"
        )
    quote = ev.get("text") if isinstance(ev, Mapping) else None
    nid = ev.get("note_id") if isinstance(ev, Mapping) else None
    return f'<span class="chip" title="span not found in the notes">{e(nid)}: \u201c{e(_short(quote or "", 60))}\u201d</span>'


_GROUP_LABELS = {"all": "ALL of", "any": "ANY of", "not": "NOT"}


def _render_payer(payer: str, det: Mapping[str, Any], record: Mapping[str, Any], spans: _CaseSpans, notes: Mapping[str, Note]) -> str:
    status = str(det.get("status") or "unknown")
    findings = record.get("findings") or {}
    out = [f'<details class="payer" open data-payer="{e(payer)}"><summary>']
    out.append(f"<h3>{e(payer.upper())}</h3>{_status_badge(status)}")
    pol = " \u00b7 ".join(str(x) for x in (det.get("policy"), det.get("branch")) if x)
    if pol:
        out.append(f'<span class="pol">{e(pol)}</span>')
    out.append('</summary><div class="pbody">')
    reasons = [r for r in (det.get("reasons") or []) if r]
    if reasons:
        out.append('<ul class="reasons">' + "".join(f"<li>{e(r)}</li>" for r in reasons) + "</ul>")
    missing = det.get("missing") or []
    if missing:
        out.append('<p class="missing">Missing documentation: ' + ", ".join(f"<code>{e(m)}</code>" for m in missing) + "</p>")
    criteria = [c for c in det.get("criteria") or [] if isinstance(c, Mapping)]
    if criteria:
        # the policy tree, nested: an all/any/not group holds its children in a collapsible
        # <details> (open unless met); rows without a depth (older records) stay one flat list
        out.append('<ol class="crit">')
        open_groups: list[int] = []  # depths of the groups whose child list is open
        for n, crit in enumerate(criteria):
            depth = crit.get("depth") if isinstance(crit.get("depth"), int) else 0
            while open_groups and open_groups[-1] >= depth:
                out.append("</ol></details></li>")
                open_groups.pop()
            nxt = criteria[n + 1].get("depth") if n + 1 < len(criteria) else None
            is_group = crit.get("kind") in _GROUP_LABELS and isinstance(nxt, int) and nxt > depth
            result = _criterion_result(crit)
            keys = [str(k) for k in (crit.get("findings") or [])]
            chips: list[str] = []
            linked: list[str] = []
            evs = list(crit.get("evidence") or [])
            if not evs:  # fall back to the evidence of the findings the criterion reads
                for k in keys:
                    f = findings.get(k)
                    if isinstance(f, Mapping):
                        evs.extend(dict(x, key=x.get("key") or k) for x in (f.get("evidence") or []) if isinstance(x, Mapping))
            for ev in evs:
                span = spans.find(ev, keys[0] if len(keys) == 1 else None)
                if span is not None and span.sid in linked:
                    continue
                if span is not None:
                    linked.append(span.sid)
                chips.append(_chip(span, ev, notes))
            go = f' data-go="{" ".join(linked)}" tabindex="0" role="button"' if linked else ""
            out.append(f'<li class="c c-{result}{" grp" if is_group else ""}"{go}>')
            out.append(f'<span class="res r-{result}">{e(RESULT_LABELS.get(result, crit.get("result") or "?"))}</span>')
            label = f"<b>{_GROUP_LABELS[crit['kind']]}</b> " if is_group else ""
            out.append(f'<div class="ctext">{label}{e(crit.get("text") or crit.get("id") or "")}</div>')
            meta = []
            if crit.get("cite"):
                meta.append(e(crit["cite"]))
            if crit.get("id"):
                meta.append(f'<code>{e(crit["id"])}</code>')
            if keys:
                vals = []
                for k in keys:
                    f = findings.get(k)
                    v = _fmt_value(f.get("value")) if isinstance(f, Mapping) else "not documented"
                    vals.append(f"<code>{e(k)}</code> = {e(v)}")
                meta.append(", ".join(vals))
            if meta:
                out.append('<div class="cmeta">' + " \u00b7 ".join(meta) + "</div>")
            if crit.get("note"):
                out.append(f'<div class="cnote">{e(crit["note"])}</div>')
            if chips and not is_group:
                out.append(f'<div class="cev">{"".join(chips)}</div>')
            if is_group:
                opened = "" if result == "met" else " open"
                out.append(f'<details class="sub"{opened}><summary>its criteria</summary><ol class="crit">')
                open_groups.append(depth)
            else:
                out.append("</li>")
        out.extend("</ol></details></li>" for _ in open_groups)
        out.append("</ol>")
    trace = det.get("trace")
    if trace:
        out.append('<details class="more"><summary>Decision trace</summary><pre class="trace">')
        out.append(e(json.dumps(trace, indent=1, default=str, ensure_ascii=False)))
        out.append("</pre></details>")
    out.append("</div></details>")
    return "".join(out)


def _render_findings(record: Mapping[str, Any], spans: _CaseSpans, notes: Mapping[str, Note]) -> str:
    findings = record.get("findings") or {}
    if not findings:
        return ""
    rows = []
    for key, f in findings.items():
        if not isinstance(f, Mapping):
            continue
        chips = []
        for ev in f.get("evidence") or []:
            chips.append(_chip(spans.find(ev, key), ev, notes))
        src = f.get("source")
        src_txt = f' <span class="pol">({e(src)})</span>' if src and src != "notes" else ""
        rows.append(f"<tr><td><code>{e(key)}</code></td><td>{e(_fmt_value(f.get('value')))}{src_txt}</td><td>{''.join(chips)}</td></tr>")
    return (
        f'<details class="more"><summary>All findings ({len(rows)})</summary>'
        '<table class="fx"><thead><tr><th>Finding</th><th>Value</th><th>Evidence</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></details>"
    )


def _case_note_ids(record: Mapping[str, Any], notes_by_patient: Mapping[str, list[Note]], spans: _CaseSpans) -> list[str]:
    ids: list[str] = [str(n) for n in (record.get("note_ids") or [])]
    if not ids:
        pat = sorted(notes_by_patient.get(str(record.get("patient_id")), ()), key=lambda n: (n.note_date or date.min, n.note_id))
        ids = [n.note_id for n in pat]
    for nid in spans.by_note:
        if nid not in ids:
            ids.append(nid)
    return ids


def _render_case(i: int, record: Mapping[str, Any], notes: Mapping[str, Note], notes_by_patient, ids: _Ids, hidden: bool) -> tuple[str, str]:
    """(list item, section) for one case record."""
    pid = record.get("patient_id")
    hid = " hidden" if hidden else ""
    spans = _CaseSpans(ids, notes)
    findings = record.get("findings") or {}
    for key, f in findings.items():
        if isinstance(f, Mapping):
            for ev in f.get("evidence") or []:
                spans.add(ev, "evidence", key, f.get("value"))
            for ev in f.get("superseded") or []:
                spans.add(ev, "superseded", key)
    for ev in record.get("mentions") or []:
        spans.add(ev, "mention")
    dets = record.get("determinations") or {}
    payers = _payers_of(record)
    for p in payers:
        det = dets.get(p)
        if isinstance(det, Mapping):
            for crit in det.get("criteria") or []:
                if isinstance(crit, Mapping):
                    keys = crit.get("findings") or []
                    for ev in crit.get("evidence") or []:
                        if spans.find(ev, keys[0] if len(keys) == 1 else None) is None:
                            spans.add(ev, "evidence", keys[0] if len(keys) == 1 else None)

    st_tokens = " ".join(f"{p}:{(dets.get(p) or {}).get('status', 'unknown')}" for p in payers) or "none"
    minis = "".join(
        _status_badge(str((dets.get(p) or {}).get("status")), f"{p.upper()} {STATUS_SHORT.get(str((dets.get(p) or {}).get('status')), '')}", "mini")
        for p in payers
    )
    li = (
        f'<li class="ci" data-i="{i}" data-st="{e(st_tokens)}" data-pid="{e(str(pid or "").lower())}">'
        f'<a href="#case-{i}"><span class="pid">{e(pid)}</span>{minis}</a></li>'
    )

    head = [f'<header class="chead"><h2>Patient {e(pid)}</h2><div class="meta">']
    for label, value in (
        ("Request", record.get("request_type")),
        ("Indication", record.get("indication")),
        ("Service date", _iso(record.get("service_date"))),
    ):
        head.append(f"<span>{label}: <b>{e(value or 'not documented')}</b></span>")
    head.append("<span>" + " ".join(f"{e(p.upper())} {_status_badge(str((dets.get(p) or {}).get('status')))}" for p in payers) + "</span>")
    head.append("</div>")
    warn = [str(w) for w in (record.get("warnings") or []) if w]
    for ne in record.get("note_errors") or []:
        if isinstance(ne, Mapping):
            warn.append(f"note {ne.get('note_id')} not read: {ne.get('error')}")
    if spans.unplaced:
        warn.append(f"{spans.unplaced} evidence span(s) could not be placed in the notes (note missing or offsets out of range)")
    if spans.mismatched:
        warn.append(f"{spans.mismatched} evidence span(s) quote text that differs from the note at their offsets")
    if warn:
        head.append(f'<div class="warnline">{e("; ".join(warn))}</div>')
    head.append("</header>")

    body = ['<div class="notes">']
    note_ids = _case_note_ids(record, notes_by_patient, spans)
    if not note_ids:
        body.append('<p class="empty">No note text available for this case.</p>')
    for nid in note_ids:
        note = notes.get(nid)
        if note is None:
            body.append(f'<article class="note"><header><span class="nid">{e(nid)}</span><span>note text not available</span></header></article>')
            continue
        meta = [f'<span class="nid">{e(nid)}</span>']
        if note.note_date:
            meta.append(f"<span>{e(_iso(note.note_date))}</span>")
        n_sp = len(spans.by_note.get(nid, ()))
        meta.append(f"<span>{n_sp} highlighted span{'s' if n_sp != 1 else ''}</span>")
        body.append(f'<article class="note" data-note="{e(nid)}"><header>{"".join(meta)}</header>')
        body.append(f'<div class="ntext">{_render_note_text(note.text, spans.by_note.get(nid, ()))}</div></article>')
    body.append("</div>")

    checks = ['<div class="checks">']
    if not payers:
        checks.append('<p class="empty">No determinations in this record.</p>')
    for p in payers:
        det = dets.get(p)
        if isinstance(det, Mapping):
            checks.append(_render_payer(p, det, record, spans, notes))
    checks.append(_render_findings(record, spans, notes))
    checks.append("</div>")
    section = f'<section class="case" id="case-{i}"{hid}>{"".join(head)}{"".join(body)}{"".join(checks)}</section>'
    return li, section


def _render_error(i: int, row: Mapping[str, Any], hidden: bool) -> tuple[str, str]:
    pid = row.get("patient_id")
    reason = row.get("error") or "unreadable note"
    hid = " hidden" if hidden else ""
    li = (
        f'<li class="ci" data-i="{i}" data-st="error" data-pid="{e(str(pid or "").lower())}">'
        f'<a href="#case-{i}"><span class="pid">{e(pid if pid is not None else "(no patient id)")}</span>'
        f'{_status_badge("error", "ERROR", "mini")}<span class="why">{e(_short(str(reason), 90))}</span></a></li>'
    )
    section = (
        f'<section class="case" id="case-{i}"{hid}><header class="chead"><h2>Unreadable input {_status_badge("error")}</h2>'
        f'<div class="meta"><span>Patient: <b>{e(pid if pid is not None else "not given")}</b></span>'
        f'<span>Note: <b>{e(row.get("note_id") if row.get("note_id") is not None else "not given")}</b></span></div></header>'
        f'<div class="errcase"><p><b>Reason:</b> {e(reason)}</p>'
        "<p>This row was not screened. Fix the source row and run the screen again.</p></div></section>"
    )
    return li, section


def _legend() -> str:
    parts = ['<div class="legend"><span>Highlights:</span>']
    for kind, label in KIND_LEGEND:
        parts.append(f'<mark class="hl k-{kind} sw">{e(label)}</mark>')
    parts.append("<span>Criteria:</span>")
    for res, label in RESULT_LABELS.items():
        parts.append(f'<span class="sw r-{res}">{e(label)}</span>')
    parts.append("</div>")
    return "".join(parts)


def _toolbar(records: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = defaultdict(int)
    payers: list[str] = []
    for r in records:
        if r.get("status") == "error":
            counts["error"] += 1
            continue
        for p, det in (r.get("determinations") or {}).items():
            if p not in payers:
                payers.append(p)
            if isinstance(det, Mapping):
                counts[str(det.get("status"))] += 1
    payers = [p for p in PAYER_ORDER if p in payers] + [p for p in payers if p not in PAYER_ORDER]
    popts = '<option value="">any payer</option>' + "".join(f'<option value="{e(p)}">{e(p.upper())}</option>' for p in payers)
    sopts = '<option value="">any status</option>' + "".join(
        f'<option value="{s}">{e(STATUS_LABELS[s])} ({counts.get(s, 0)})</option>' for s in (*STATUSES, "error")
    )
    return (
        '<div class="bar">'
        f'<label>Payer <select id="f-payer">{popts}</select></label>'
        f'<label>Status <select id="f-status">{sopts}</select></label>'
        '<label>Patient <input type="search" id="f-q" placeholder="id contains\u2026" autocomplete="off"></label>'
        '<span id="f-count"></span>'
        '<label><input type="checkbox" id="f-lbl" checked> finding labels</label>'
        f"{_legend()}</div>"
    )


def _index_notes(notes: Mapping[str, Note]) -> dict[str, list[Note]]:
    by_patient: dict[str, list[Note]] = defaultdict(list)
    for note in notes.values():
        by_patient[str(note.patient_id)].append(note)
    return by_patient


def render_review(records: Iterable[Mapping[str, Any]], notes: Mapping[str, Note]) -> str:
    """The review view (filter bar, case list, one section per case) as an HTML fragment."""
    records = [r for r in records if isinstance(r, Mapping)]
    notes = dict(notes or {})
    by_patient = _index_notes(notes)
    ids = _Ids()
    items: list[str] = []
    sections: list[str] = []
    for i, record in enumerate(records):
        if record.get("status") == "error":
            li, sec = _render_error(i, record, hidden=i > 0)
        else:
            li, sec = _render_case(i, record, notes, by_patient, ids, hidden=i > 0)
        items.append(li)
        sections.append(sec)
    if not records:
        sections.append('<p class="empty">No cases to show.</p>')
    return (
        _toolbar(records)
        + '<div class="wrap"><nav class="side" aria-label="Cases"><ol id="cases">'
        + "".join(items)
        + '</ol></nav><main class="main">'
        + "".join(sections)
        + "</main></div>"
    )


def render_page(body: str, *, title: str, subtitle: str = "", form_action: str = "'none'", referrer: str = "no-referrer",
                scripts: tuple[str, ...] = ()) -> str:
    """Wrap a body fragment into the self-contained page with its CSP meta tag
    (``scripts``: further inline scripts, after the report's own, allowed by hash)."""
    csp = content_security_policy(form_action=form_action, scripts=scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">'
        f'<meta name="referrer" content="{e(referrer)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="top"><h1>{e(title)}</h1><span class="sub">{e(subtitle)}</span>'
        '<span class="aid">Screening aid for a human reviewer \u2014 never a denial</span></header>'
        f"{body}<script>{JS}</script>" + "".join(f"<script>{src}</script>" for src in scripts) + "</body></html>\n"
    )


def render_report(records: Sequence[Mapping[str, Any]], notes: Mapping[str, Note], *, title: str = "Intrathecal pump prior-authorization screening") -> str:
    """One self-contained HTML page for ``records`` (case records and error rows).

    ``notes`` maps ``note_id -> Note``; evidence spans are placed at their ``start``/``end``
    offsets into that note's text. Spans whose note is absent or whose offsets fall
    outside the text are counted in the case header and shown as quoted text only.
    """
    records = list(records)
    n_err = sum(1 for r in records if isinstance(r, Mapping) and r.get("status") == "error")
    sub = f"{len(records) - n_err} case{'s' if len(records) - n_err != 1 else ''}"
    if n_err:
        sub += f", {n_err} unreadable row{'s' if n_err != 1 else ''}"
    sub += f" \u00b7 generated {datetime.now().strftime('%Y-%m-%d %H:%M')}"
    return render_page(render_review(records, notes), title=title, subtitle=sub)


def write_report(records: Sequence[Mapping[str, Any]], notes: Mapping[str, Note], path: str | os.PathLike) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8, owner-only permissions: it holds PHI)."""
    path = Path(path)
    html_text = render_report(records, notes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html_text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
