"""The review app's page: the input form above the same review view as ``screener report``.

Every echoed form value is escaped with :func:`html.escape`; the pasted note goes back into
its ``<textarea>`` escaped, so a note containing ``</textarea><script>`` stays text.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import REQUEST_TYPES, Note
from ..report.render import e, render_page, render_review

TITLE = "Intrathecal pump prior-authorization screening \u2014 review app"


def _form(payers: Sequence[str], echo: Mapping[str, Any], error: str | None, open_: bool) -> str:
    chosen = set(echo.get("payers") or payers)
    boxes = "".join(
        f'<label><input type="checkbox" name="payers" value="{e(p)}"{" checked" if p in chosen else ""}> {e(p.upper())}</label>'
        for p in payers
    )
    rt = str(echo.get("request_type") or "")
    rt_opts = '<option value="">from the notes</option>' + "".join(
        f'<option value="{e(r)}"{" selected" if r == rt else ""}>{e(r)}</option>' for r in REQUEST_TYPES
    )
    err = f'<p class="formerr" role="alert">{e(error)}</p>' if error else ""
    # A newline right after <textarea> is dropped by the HTML parser: add one so the text round-trips.
    return (
        f'<details class="form"{" open" if open_ else ""}><summary>New screening: paste a note or upload a file</summary>{err}'
        '<form method="post" action="/review" enctype="multipart/form-data" id="screen-form">'
        "<div>"
        '<label for="f-text"><b>Note text</b> (one note)</label>'
        f'<textarea id="f-text" name="text" spellcheck="false" placeholder="Paste one clinical note here">\n{e(echo.get("text") or "")}</textarea>'
        '<div class="row">'
        f'<label>Patient id <input name="patient_id" id="f-pid" value="{e(echo.get("patient_id") or "")}" placeholder="PASTED" size="12"></label>'
        f'<label>Note id <input name="note_id" id="f-nid" value="{e(echo.get("note_id") or "")}" placeholder="N1" size="8"></label>'
        f'<label>Note date <input type="date" name="note_date" id="f-ndate" value="{e(echo.get("note_date") or "")}"></label>'
        f'<label>Request <select name="request_type" id="f-rt">{rt_opts}</select></label>'
        "</div></div><div>"
        '<fieldset><legend>or upload notes</legend>'
        '<input type="file" name="file" id="f-file" accept=".jsonl,.ndjson,.json,.csv,.parquet,.txt">'
        '<div class="pol">.jsonl / .csv / .parquet (fields patient_id, note_id, text, note_date, request_type) or one .txt note</div></fieldset>'
        f'<fieldset><legend>Payers</legend><div class="row">{boxes}</div></fieldset>'
        f'<div class="row"><label>Service date <input type="date" name="service_date" id="f-sdate" value="{e(echo.get("service_date") or "")}"></label>'
        '<span class="pol">picks the policy version in force (default today)</span></div>'
        '<div class="row"><button type="submit" id="f-submit">Screen</button></div>'
        "</div></form></details>"
    )


def review_page(
    payers: Sequence[str],
    *,
    records: list[dict] | None = None,
    notes: Mapping[str, Note] | None = None,
    echo: Mapping[str, Any] | None = None,
    error: str | None = None,
    worklist: bool = False,
) -> str:
    """The whole page: form (open until there are results) and, after a screen, the review view."""
    echo = echo or {}
    has_results = records is not None
    body = _form(payers, echo, error, open_=not has_results or bool(error))
    if worklist:
        body = '<nav class="wl-nav"><a href="/worklist" id="to-worklist">Worklist</a></nav>' + body
    if has_results:
        body += render_review(records or [], notes or {})
        n = sum(1 for r in records or [] if r.get("status") != "error")
        sub = f"{n} case{'s' if n != 1 else ''} screened \u00b7 pasted notes are not stored"
    else:
        body += (
            '<p class="empty">Paste one note (or upload a .jsonl / .csv / .parquet extract or a .txt note), pick the '
            "payers and the service date, then <b>Screen</b>. The review view shows each note with its evidence "
            "highlighted and every payer's criteria checklist beside it; click a criterion to jump to its evidence. "
            "Programs can use the JSON API instead: <code>POST /screen</code>, described at <code>/openapi.json</code>.</p>"
        )
        sub = "local only \u00b7 nothing is stored on the server"
    return render_page(body, title=TITLE, subtitle=sub, form_action="'self'", referrer="same-origin")
