"""HTML of the worklist and of one case under review (``screener serve --db``).

The case page: the notes with every evidence span highlighted (the report's renderer, so
offsets are exact and every character of note text is escaped), and per payer the
policy tree as nested, collapsible ``all``/``any`` groups (``<details>``) whose leaves
show the screener's result, the result after the reviewer's decisions, their evidence,
the decision form and, for a leaf left missing, the "where to look" suggestions. The
screener's and the reviewer's status per payer stand side by side; the audit trail lists
every decision. Decisions post to ``/worklist/{patient_id}/decisions`` (a plain form:
the page works without its script; the script only copies a text selection or an
accepted suggestion into the form's span fields).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ..report.render import (
    PAYER_ORDER,
    RESULT_LABELS,
    STATUS_LABELS,
    STATUSES,
    _CaseSpans,
    _Ids,
    _render_note_text,
    _status_badge,
    e,
    render_page,
)
from ..worklist.review import VERDICTS

TITLE = "Intrathecal pump prior-authorization screening \u2014 worklist"
STATES = ("new", "in_review", "done")
WEAK_BELOW = 0.5  # a best suggestion under this model probability is flagged as weak

WORKLIST_JS = """
(function(){
'use strict';
var d=document,sel=null;
function offsetIn(pre,node,off){
  var r=d.createRange();r.setStart(pre,0);r.setEnd(node,off);return r.toString().length;
}
d.addEventListener('mouseup',function(){
  var s=window.getSelection();
  if(!s||s.rangeCount===0||s.isCollapsed){return;}
  var r=s.getRangeAt(0),pre=r.startContainer.parentElement?r.startContainer.parentElement.closest('pre.nt'):null;
  var pre2=r.endContainer.parentElement?r.endContainer.parentElement.closest('pre.nt'):null;
  if(!pre||pre!==pre2){return;}
  var a=offsetIn(pre,r.startContainer,r.startOffset),b=offsetIn(pre,r.endContainer,r.endOffset);
  if(b<=a){return;}
  sel={note:pre.getAttribute('data-note'),a:a,b:b,text:r.toString()};
  var box=d.getElementById('wl-sel');
  if(box){box.textContent=sel.note+' ['+a+'-'+b+']: '+sel.text.slice(0,160);}
});
function fill(form,note,a,b,text){
  form.querySelector('input[name=span_note]').value=note;
  form.querySelector('input[name=span_start]').value=String(a);
  form.querySelector('input[name=span_end]').value=String(b);
  var q=form.querySelector('.span-q');if(q){q.textContent=note+' ['+a+'-'+b+']: '+String(text).slice(0,160);}
}
function show(note,a,b){
  var pre=d.querySelector('pre.nt[data-note="'+note.replace(/["\\\\]/g,'')+'"]');
  if(!pre){return '';}
  var walker=d.createTreeWalker(pre,NodeFilter.SHOW_TEXT),n,pos=0,r=d.createRange(),sa=false;
  while((n=walker.nextNode())){
    var len=n.nodeValue.length;
    if(!sa&&a<=pos+len){r.setStart(n,a-pos);sa=true;}
    if(sa&&b<=pos+len){r.setEnd(n,b-pos);break;}
    pos+=len;
  }
  var s=window.getSelection();s.removeAllRanges();s.addRange(r);
  pre.scrollTop=0;var rect=r.getBoundingClientRect();
  if(r.startContainer.parentElement){r.startContainer.parentElement.scrollIntoView({block:'center'});}
  return r.toString();
}
d.addEventListener('click',function(ev){
  var t=ev.target;
  if(t.matches&&t.matches('button.use-sel')){
    ev.preventDefault();
    if(!sel){var box=d.getElementById('wl-sel');if(box){box.textContent='select text in a note first';}return;}
    fill(t.closest('form'),sel.note,sel.a,sel.b,sel.text);
  } else if(t.matches&&t.matches('button.sug')){
    ev.preventDefault();
    var note=t.getAttribute('data-note'),a=+t.getAttribute('data-a'),b=+t.getAttribute('data-b');
    var text=show(note,a,b);
    var form=d.getElementById(t.getAttribute('data-form'));
    if(form){fill(form,note,a,b,text);}
  }
});
})();
"""


def _q(params: Mapping[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v}
    return ("?" + urlencode(clean)) if clean else ""


def worklist_html(rows: Sequence[Mapping[str, Any]], filters: Mapping[str, str | None], payers: Sequence[str]) -> str:
    def options(name: str, values: Sequence[str], labels: Mapping[str, str] | None = None) -> str:
        cur = filters.get(name) or ""
        opts = [f'<option value=""{" selected" if not cur else ""}>any</option>']
        opts += [f'<option value="{e(v)}"{" selected" if v == cur else ""}>{e((labels or {}).get(v, v))}</option>' for v in values]
        return f'<label>{e(name.replace("_", " ").capitalize())} <select name="{e(name)}" id="w-{e(name)}">{"".join(opts)}</select></label>'

    missing_keys = sorted({k for r in rows for k in r.get("missing") or []} | ({filters["missing"]} if filters.get("missing") else set()))
    form = ('<form method="get" action="/worklist" class="wl-filters" id="wl-filters">'
            + options("payer", list(payers)) + options("status", STATUSES, STATUS_LABELS)
            + options("missing", missing_keys) + options("state", STATES)
            + '<button type="submit" id="w-apply">Filter</button> <a href="/worklist">clear</a></form>')
    shown = [p for p in PAYER_ORDER if p in payers] + [p for p in payers if p not in PAYER_ORDER]
    head = "<tr><th>Case</th><th>Review</th><th>Decisions</th>" + "".join(f"<th>{e(p.upper())}</th>" for p in shown) + "<th>Missing</th></tr>"
    body = []
    for r in rows:
        pid = str(r["patient_id"])
        cells = "".join(f"<td>{_status_badge(r['statuses'][p]) if p in r['statuses'] else ''}</td>" for p in shown)
        body.append(f'<tr class="wl-row" data-pid="{e(pid)}"><td><a href="/worklist/{e(quote(pid, safe=""))}">{e(pid)}</a></td>'
                    f'<td class="st-{e(r["state"])}">{e(r["state"].replace("_", " "))}</td><td>{int(r["decisions"])}</td>{cells}'
                    f'<td class="wl-miss">{e(", ".join(r.get("missing") or []))}</td></tr>')
    table = (f'<table class="wl" id="wl-table"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
             if rows else '<p class="empty">No case matches these filters.</p>')
    nav = '<nav class="wl-nav"><a href="/">Screen new notes</a></nav>'
    page = f'{nav}<main class="wl-main">{form}<p class="wl-count" id="wl-count">{len(rows)} case{"s" if len(rows) != 1 else ""}</p>{table}</main>'
    return render_page(page, title=TITLE, subtitle="local only \u00b7 decisions are kept in the worklist database",
                       form_action="'self'", referrer="same-origin", scripts=(WORKLIST_JS,))


def _evidence_chips(evidence: Sequence[Mapping[str, Any]], spans: _CaseSpans, key: str | None) -> str:
    chips, seen = [], set()
    for ev in evidence:
        span = spans.find(ev, key)
        if span is None or span.sid in seen:
            continue
        seen.add(span.sid)
        chips.append(f'<span class="chip" data-go="{span.sid}" tabindex="0" role="button">{e(span.note_id)}: '
                     f'\u201c{e(str(ev.get("text") or "")[:90])}\u201d</span>')
    return "".join(chips)


def _decision_form(view: Any, payer: str, node: Mapping[str, Any], reviewer: str, form_id: str) -> str:
    key = str(node.get("finding") or "")
    current = view.in_force.get(key)
    verdicts = "".join(f'<option value="{v}"{" selected" if current and current["verdict"] == v else ""}>'
                       f'{e(v.replace("_", " "))}</option>' for v in VERDICTS)
    return (
        f'<form method="post" action="/worklist/{e(quote(view.patient_id, safe=""))}/decisions" class="dec" id="{form_id}">'
        f'<input type="hidden" name="payer" value="{e(payer)}"><input type="hidden" name="criterion_id" value="{e(node.get("id") or "")}">'
        f'<input type="hidden" name="key" value="{e(key)}">'
        '<input type="hidden" name="span_note" value=""><input type="hidden" name="span_start" value=""><input type="hidden" name="span_end" value="">'
        f'<label>Reviewer <input name="reviewer" required size="10" value="{e(reviewer)}"></label> '
        f'<label>Verdict <select name="verdict">{verdicts}</select></label> '
        '<label>Value <input name="value" size="6" placeholder="optional"></label> '
        '<label>Reason <input name="reason" size="22"></label> '
        '<button type="button" class="use-sel">use selected text</button> '
        '<button type="submit" class="dec-save">Save decision</button>'
        '<div class="span-q"></div></form>'
    )


def _leaf_html(view: Any, payer: str, node: Mapping[str, Any], screener_results: Mapping[str, str], spans: _CaseSpans,
               suggestions: Mapping[str, list[dict[str, Any]]], reviewer: str, ids: _Ids) -> str:
    result = str(node.get("result") or "")
    before = screener_results.get(str(node.get("id")), result)
    key = str(node.get("finding") or "")
    decided = view.in_force.get(key)
    form_id = ids.next()
    out = [f'<li class="leaf c-{e(result)}" id="c-{e(node.get("id") or "")}" data-key="{e(key)}">']
    out.append(f'<span class="res r-{e(result)}">{e(RESULT_LABELS.get(result, result))}</span>')
    if before != result:
        out.append(f'<span class="was">screener: {e(RESULT_LABELS.get(before, before))}</span>')
    out.append(f'<div class="ctext">{e(node.get("text") or node.get("id") or "")}</div>')
    meta = [e(node.get("cite") or ""), f'<code>{e(node.get("id") or "")}</code>', f"<code>{e(key)}</code>"]
    if node.get("op"):
        meta.append(e(f'{node.get("op")} {node.get("value") if node.get("value") is not None else ""}'.strip()))
    if node.get("note"):
        meta.append(e(node["note"]))
    out.append('<div class="cmeta">' + " \u00b7 ".join(m for m in meta if m) + "</div>")
    if decided:
        out.append(f'<div class="decided">decided <b>{e(decided["verdict"].replace("_", " "))}</b> by {e(decided["reviewer"])}'
                   f' at {e(decided["created_at"] or "")}' + (f': {e(decided["reason"])}' if decided.get("reason") else "") + "</div>")
    chips = _evidence_chips(node.get("evidence") or [], spans, key)
    if chips:
        out.append(f'<div class="cev">{chips}</div>')
    if result == "missing" and suggestions.get(key):
        items = []
        for s in suggestions[key]:
            items.append(f'<li><button type="button" class="sug" data-form="{form_id}" data-note="{e(s["note_id"])}" '
                         f'data-a="{int(s["start"])}" data-b="{int(s["end"])}">use</button> '
                         f'<span class="sug-t">{e(s["note_id"])}: \u201c{e(s["text"][:220])}\u201d</span> '
                         f'<span class="pol">{float(s.get("score") or 0):.0%}</span></li>')
        weak = max(float(s.get("score") or 0) for s in suggestions[key]) < WEAK_BELOW
        note = " — weak: the notes may not state it" if weak else ""
        out.append(f'<div class="sugs"><b>Where to look</b> (suggestions, not evidence until you use one{e(note)})<ol>'
                   + "".join(items) + "</ol></div>")
    out.append(_decision_form(view, payer, node, reviewer, form_id))
    out.append("</li>")
    return "".join(out)


def _tree_html(view: Any, payer: str, node: Mapping[str, Any], screener_results: Mapping[str, str], spans: _CaseSpans,
               suggestions: Mapping[str, list[dict[str, Any]]], reviewer: str, ids: _Ids) -> str:
    kind = node.get("kind")
    if kind == "leaf":
        return _leaf_html(view, payer, node, screener_results, spans, suggestions, reviewer, ids)
    result = str(node.get("result") or "")
    if kind == "unevaluable":
        return (f'<li class="leaf c-not_evaluated"><span class="res r-not_evaluated">not evaluated</span>'
                f'<div class="ctext">{e(node.get("text") or "")}</div><div class="cmeta">{e(node.get("reason") or "")}</div></li>')
    label = {"all": "ALL of", "any": "ANY of", "not": "NOT"}.get(str(kind), str(kind))
    opened = " open" if result != "met" else ""
    children = "".join(_tree_html(view, payer, c, screener_results, spans, suggestions, reviewer, ids)
                       for c in node.get("children") or [])
    return (f'<li class="grp c-{e(result)}"><details{opened}><summary><span class="res r-{e(result)}">'
            f'{e(RESULT_LABELS.get(result, result))}</span> <b>{e(label)}</b> {e(node.get("text") or "")}'
            f' <span class="cmeta">{e(node.get("cite") or "")}</span></summary><ul class="tree">{children}</ul></details></li>')


def _leaf_results(node: Mapping[str, Any] | None, out: dict[str, str]) -> dict[str, str]:
    if node:
        out[str(node.get("id"))] = str(node.get("result"))
        for child in node.get("children") or []:
            _leaf_results(child, out)
    return out


def case_html(view: Any, suggestions: Mapping[str, list[dict[str, Any]]], *, reviewer: str = "") -> str:
    from ..worklist.review import recompute

    ids = _Ids()
    spans = _CaseSpans(ids, view.notes)
    for key, item in (view.reviewed or {}).items():
        for ev in (item.get("evidence") or []) if isinstance(item, Mapping) else []:
            spans.add(ev, "evidence", key, item.get("value"))
    for key, item in (view.record.get("findings") or {}).items():
        for ev in (item.get("evidence") or []) if isinstance(item, Mapping) else []:
            spans.add(ev, "evidence", key, item.get("value"))
    screener = view.record.get("determinations") or {}
    # the screener's own tree results (its findings through the same engine), to show what changed
    screener_trees = recompute(view.record.get("findings") or {}, list(view.reviewer_determinations), view.record.get("service_date"))
    rows = []
    for p, det in view.reviewer_determinations.items():
        before = (screener.get(p) or {}).get("status") or "?"
        rows.append(f'<tr data-payer="{e(p)}"><th>{e(p.upper())}</th><td class="scr">{_status_badge(before)}</td>'
                    f'<td class="rev">{_status_badge(det["status"])}</td></tr>')
    statuses = ('<table class="wl-st" id="wl-statuses"><thead><tr><th>Payer</th><th>Screener</th>'
                f'<th>After review</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    payers_html = []
    for p, det in view.reviewer_determinations.items():
        branch = (det.get("trace") or {}).get("branch")
        before = _leaf_results((screener_trees.get(p, {}).get("trace") or {}).get("branch"), {})
        reasons = "".join(f"<li>{e(r)}</li>" for r in det.get("reasons") or [])
        inner = (f'<ul class="tree">{_tree_html(view, p, branch, before, spans, suggestions, reviewer, ids)}</ul>'
                 if branch and branch.get("kind") != "outcome" else "")
        payers_html.append(f'<details class="payer" open data-payer="{e(p)}"><summary><h3>{e(p.upper())}</h3>'
                           f'{_status_badge(det["status"])}<span class="pol">{e(det.get("policy") or "")} '
                           f'{e(det.get("branch") or "")}</span></summary><div class="pbody">'
                           f'<ul class="reasons">{reasons}</ul>{inner}</div></details>')
    notes_html = []
    for nid, note in view.notes.items():
        kind = view.kinds.get(nid) or ""
        notes_html.append(f'<section class="note"><h4>{e(nid)} <span class="pol">{e(str(note.note_date or ""))} {e(kind)}</span></h4>'
                          f'<pre class="nt" data-note="{e(nid)}">{_render_note_text(note.text, spans.by_note.get(nid, []))}</pre></section>')
    hist = "".join(
        f'<tr><td>{e(d["created_at"] or "")}</td><td>{e(d["reviewer"])}</td><td>{e(d.get("payer") or "")}</td>'
        f'<td><code>{e(d["key"])}</code></td><td>{e(d["verdict"])}</td><td>{e(_value_text(d.get("value")))}</td>'
        f'<td>{e(d.get("reason") or "")}</td><td>{e("; ".join(s.get("note_id", "") + ": " + s.get("text", "")[:60] for s in d.get("spans") or []))}</td></tr>'
        for d in view.history)
    history = ('<details class="more" id="wl-history"><summary>Audit trail: every decision, oldest first '
               f'({len(view.history)})</summary><table class="wl"><thead><tr><th>When</th><th>Reviewer</th><th>Payer</th>'
               f'<th>Finding</th><th>Verdict</th><th>Value</th><th>Reason</th><th>Spans</th></tr></thead><tbody>{hist}</tbody></table></details>')
    pid_q = e(quote(view.patient_id, safe=""))
    state_btns = "".join(f'<button type="submit" name="state" value="{s}" id="state-{s}">{e(s.replace("_", " "))}</button> ' for s in STATES)
    state_form = (f'<form method="post" action="/worklist/{pid_q}/state" class="wl-state" id="wl-state">'
                  f'Review state: <b id="wl-cur-state">{e(view.state.replace("_", " "))}</b> \u00b7 '
                  f'<label>Reviewer <input name="reviewer" required size="10" value="{e(reviewer)}"></label> mark as {state_btns}</form>')
    head = (f'<nav class="wl-nav"><a href="/worklist{_q({})}">\u2190 Worklist</a> \u00b7 <b>{e(view.patient_id)}</b> \u00b7 '
            f'service date {e(str(view.record.get("service_date") or ""))}</nav>{state_form}{statuses}'
            '<p class="wl-selbox">Selected text: <span id="wl-sel">none (select a passage in a note, then "use selected text")</span></p>')
    body = (f'{head}<div class="wrap wl-case"><div class="notes">{"".join(notes_html)}</div>'
            f'<div class="checks">{"".join(payers_html)}{history}</div></div>')
    return render_page(body, title=TITLE, subtitle=f"case {view.patient_id} \u00b7 {view.state.replace('_', ' ')}",
                       form_action="'self'", referrer="same-origin", scripts=(WORKLIST_JS,))


def _value_text(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    v, bound = value.get("value"), value.get("bound")
    if v is None:
        return "not documented"
    return f"{bound} {v:g}" if bound and isinstance(v, (int, float)) else str(v)
