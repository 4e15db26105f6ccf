"""Evidence extraction: notes -> findings (issue: evidence extraction).

- ``extract(text, note_date)`` reads one note into findings
- ``extract_case(notes)`` merges the findings of a patient's notes: per key, the most
  recent dated note with a value wins and older evidence is kept as ``superseded``
  (``rules/extraction/resolution.yaml`` says how mentions combine within a note and which
  keys take the longest span across notes instead)
- ``assertion(text, spans)`` gives ConText's verdict for arbitrary spans

A mention counts for its value only when ConText and its rule allow it (a negated
contraindication gives ``false``; a family-history or conditional one gives nothing).
Every finding keeps the mentions behind it as ``Evidence`` with offsets, section, rule id
and assertion flags.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Sequence

from .errors import NoteError
from .model import Evidence, Finding, Findings, Note
from .nlp.reader import Mention, default_reader
from .nlp.values import bound_of
from .vocabulary import vocabulary


def _resolution(key: str) -> dict[str, Any]:
    return default_reader().rules.resolution.get(key, {})


def _evidence(m: Mention, note_id: str, note_date: date | None, value: Any) -> Evidence:
    flags = m.flags
    bound = bound_of(value)
    return Evidence(
        m.key, float(value) if bound else value, note_id, m.start, m.end, m.text, m.section, m.rule_id, flags["negated"],
        flags["historical"], flags["hypothetical"], flags["family"], flags["uncertain"], note_date, bound,
    )


def _combine(key: str, values: list[Any], *, same_day: bool = False) -> Any:
    """One value from several asserted values of ``key`` (resolution.yaml ``note:`` and
    ``order:``). Within a note a number takes ``first`` unless told otherwise; between notes
    of the same day (``same_day``) the later note in input order wins unless ``max``/``min``."""
    kind = vocabulary()[key].type
    how = _resolution(key).get("note")
    if kind == "bool":
        if how == "false_wins":
            return False if False in values else True
        return True if True in values else False
    if kind == "enum":
        order = _resolution(key).get("order") or []
        return next((v for v in order if v in values), values[-1] if same_day else values[0])
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    if same_day or how == "last":
        return values[-1]
    return values[0]


@lru_cache(maxsize=1)
def _derived_rules() -> frozenset[str]:
    """Ids of the series rules (derivations.yaml), once per process: called per key per note."""
    return frozenset(s.id for s in default_reader().rules.series)


def _note_value(key: str, mentions: list[Mention]) -> Any:
    """Combine one note's asserted values for ``key``; a number the note states exactly beats
    one it gives only as a bound ("life expectancy >= 3 months: Y ... 4-6 mo per oncology"),
    and a value it states beats one derived from its quantities (``derivations.yaml``: the
    writer's "Reduction to date: 38.9%" over the carried-forward "240 -> 120 MME")."""
    asserted = [m for m in mentions if m.value is not None]
    derived = _derived_rules()
    stated = [m for m in asserted if m.rule_id not in derived]
    values = [m.value for m in (stated or asserted)]
    exact = [v for v in values if bound_of(v) is None]
    if exact and len(exact) < len(values):
        values = exact
    return _combine(key, values) if values else None


def _note_findings(mentions: list[Mention], evidence: list[Evidence]) -> Findings:
    """A note's findings from its mentions and their ``Evidence`` (parallel lists)."""
    by_key: dict[str, list[tuple[Mention, Evidence]]] = defaultdict(list)
    for m, ev in zip(mentions, evidence):
        by_key[m.key].append((m, ev))
    findings: Findings = {}
    for key, pairs in by_key.items():
        value = _note_value(key, [m for m, _ in pairs])
        if value is None:
            continue
        bound = bound_of(value)
        support = tuple(ev for m, ev in pairs if m.value == value and ev.bound == bound)
        chosen = {id(ev) for ev in support}
        other = tuple(ev for m, ev in pairs if m.value is not None and id(ev) not in chosen)
        findings[key] = Finding(key=key, value=float(value) if bound else value, evidence=support, superseded=other,
                                bound=bound)
    return findings


def mentions(text: str, note_date: date | None = None) -> list[Mention]:
    """Every mention in one note, including those that assert nothing (for review)."""
    return default_reader().read(text, note_date)


def findings_of(ms: list[Mention], note_id: str, note_date: date | None = None) -> Findings:
    """One note's findings from its mentions (see ``mentions``)."""
    return _note_findings(ms, [_evidence(m, note_id, note_date, m.value) for m in ms])


def extract(text: str, note_date: date | None = None, note_id: str = "note") -> Findings:
    """Findings of one note. Raises ``NoteError`` for text that cannot be read."""
    return findings_of(mentions(text, note_date), note_id, note_date)


def _within(bounded: Finding, value: Any) -> bool:
    """Whether ``value`` lies within a finding known only as a bound."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return {">=": value >= bounded.value, ">": value > bounded.value, "<=": value <= bounded.value,
            "<": value < bounded.value}.get(bounded.bound or "", False)


def merge_findings(per_note: Sequence[tuple[Note, Findings]]) -> Findings:
    """Merge note-level findings into case-level findings.

    Notes are ranked by ``note_date`` (undated notes first, in input order), so the most
    recent dated statement wins; keys whose resolution says ``case: max|min`` take the
    extreme over all notes ("longest documented span"). Evidence from older notes with the
    same value supports the finding; evidence of a different value is ``superseded``.
    """
    ranked = sorted(
        enumerate(per_note), key=lambda item: (item[1][0].note_date is not None, item[1][0].note_date or date.min, item[0])
    )
    keys = {k for _, (_, f) in ranked for k in f}
    merged: Findings = {}
    for key in sorted(keys):
        entries = [(note, f[key]) for _, (note, f) in ranked if key in f]
        how = _resolution(key).get("case", "latest")
        if how in ("max", "min"):
            pick = (max if how == "max" else min)(entries, key=lambda e: e[1].value)
            winners = [e for e in entries if e[1].value == pick[1].value]
        else:
            # a later bound that the latest exact statement lies within does not supersede it
            # ("LE >= 3 months: Y" on the PA form after "expected survival ~9 months")
            pool = entries
            exact = [f for _, f in entries if not f.bound]
            while len(pool) > 1 and pool[-1][1].bound and exact and _within(pool[-1][1], exact[-1].value):
                pool = pool[:-1]
            latest_date = pool[-1][0].note_date
            winners = [e for e in pool if e[0].note_date == latest_date] if latest_date else [pool[-1]]
            if len({w[1].value for w in winners}) > 1:  # same day, different values
                value = _combine(key, [w[1].value for w in winners], same_day=True)
                winners = [w for w in winners if w[1].value == value]
        value = winners[-1][1].value
        won = {id(f) for _, f in winners}
        others = [f for _, f in reversed(entries) if id(f) not in won]
        # older notes that say the same thing support the value too; only statements of a
        # different value are superseded (kept in the trace)
        evidence = tuple(e for _, f in winners for e in f.evidence)
        evidence += tuple(e for f in others if f.value == value for e in f.evidence)
        superseded = tuple(e for f in others if f.value != value for e in f.evidence)
        superseded += tuple(e for _, f in entries for e in f.superseded)
        merged[key] = Finding(key=key, value=value, evidence=evidence, superseded=superseded,
                              bound=winners[-1][1].bound)
    return merged


@dataclass(frozen=True)
class CaseReading:
    """What reading a case's notes produced: merged findings, every mention as evidence
    (also those that assert nothing, for the reviewer), and the notes that could not be read."""

    findings: Findings
    mentions: tuple[Evidence, ...]
    note_errors: tuple[tuple[str, str], ...]  # (note_id, one-line coded reason)


def read_case(notes: Iterable[Note]) -> CaseReading:
    """Read every note of a case; a note that cannot be read is reported, not raised."""
    notes = list(notes)
    per_note: list[tuple[Note, Findings]] = []
    all_mentions: list[Evidence] = []
    errors: list[tuple[str, str]] = []
    for note in notes:
        try:
            ms = mentions(note.text, note.note_date)
        except NoteError as exc:
            errors.append((note.note_id, str(exc)))
            continue
        evidence = [_evidence(m, note.note_id, note.note_date, m.value) for m in ms]
        per_note.append((note, _note_findings(ms, evidence)))
        all_mentions.extend(evidence)
    merged = merge_findings(per_note)
    return CaseReading(_with_input_request_type(merged, notes), tuple(all_mentions), tuple(errors))


def extract_case(notes: Iterable[Note]) -> Findings:
    """Findings of a case: every note read, then merged (see ``merge_findings``).

    ``request_type`` given on the notes (the input column) overrides what the notes say.
    Raises ``NoteError`` for a note that cannot be read (``read_case`` reports instead).
    """
    notes = list(notes)
    per_note = [(note, extract(note.text, note.note_date, note.note_id)) for note in notes]
    return _with_input_request_type(merge_findings(per_note), notes)


def _with_input_request_type(merged: Findings, notes: Sequence[Note]) -> Findings:
    given = next((n.request_type for n in notes if n.request_type), None)
    if given:
        previous = merged.get("request_type")
        merged["request_type"] = Finding(
            key="request_type",
            value=given,
            evidence=(),
            superseded=(previous.evidence + previous.superseded) if previous else (),
            source="input",
        )
    return merged


def assertion(text: str, spans: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """ConText's verdict (negated / historical / hypothetical / family / uncertain) for each
    ``(start, end)`` character span of ``text``."""
    return default_reader().assertion(text, spans)
