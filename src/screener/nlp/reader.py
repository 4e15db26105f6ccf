"""Reads one note into ``Mention`` records: sections, sentences, targets, ConText, values.

A trie-compiled trigger scan picks the candidate sentences and the finding keys each may
hold; a key's rules run only there, and a rule's regex only where the sentence holds the
literals it cannot match without (``nlp.literals``). Only the sentences that hold a target
are turned into a spaCy ``Doc`` (joined into one small "digest" Doc per note), so spaCy's
cost follows the amount of relevant text, not the length of the note. ConText
(``nlp.context.SentenceContext``: medspaCy's component with the modifiers of
rules/extraction/context.yaml) runs on that Doc; a modifier only counts for a target in
the same sentence.
"""
from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Sequence

from .context import SentenceContext
from .forms import MET, NOT_MET, form_answers
from .numbers import spelled_numbers_view
from .rules import KEEP, ExtractionRules, TargetRule, default_rules, series_target
from .sections import SectionDetector, SectionIndex
from .sentences import split_sentences
from .series import Group, derive, groups
from .trie import compile_stems
from .text import sanitise
from ..criteria.thresholds import decided_above, decides
from .values import BOUNDED_PARSERS, PARSERS, LowerBound, UpperBound, bounded_by
from .views import Normalizer, TextView


# ConText categories -> the assertion flags a mention carries
_FLAG_OF_CATEGORY = {
    "NEGATED_EXISTENCE": "negated",
    "POSSIBLE_EXISTENCE": "uncertain",
    "HISTORICAL": "historical",
    "RESOLVED": "resolved",
    "HYPOTHETICAL": "hypothetical",
    "FUTURE": "future",
    "FAMILY": "family",
}
# precedence when several flags apply: the first that has an opinion decides the value
_STATE_ORDER = ("family", "hypothetical", "negated", "future", "resolved", "uncertain", "historical")
_DIGEST_SENTENCES = 48
# a line that starts a list item ("- ", "* ", "1. ", "2) "), and the start of the next item or paragraph
_BULLET = r"(?:[-*•·]|\d{1,2}[.)])[ \t]"
_BULLET_LINE = re.compile(r"[ \t]*" + _BULLET)
_ITEM_BREAK = re.compile(r"\n[ \t]*(?:\n|" + _BULLET + ")")
_ITEM_MAX_LINES = 30
_WHITESPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[A-Za-z]")
_TITLE_CHARS = 100  # a head line longer than this is prose, not a note's title
_HEADING_CHARS = 60  # a paragraph's first line is its heading when no longer than this and no sentence
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")


@dataclass(slots=True)
class Mention:
    """One target match in one note, with ConText's verdict and the value it asserts.
    Read-only by convention (not frozen: one is built per match, and a frozen dataclass
    costs four times as much to build).

    ``value`` is what the mention says about the finding after assertion (``None`` when the
    mention must not count: family history, a conditional, an uncertain mention...);
    ``raw_value`` is what an affirmed mention would have said.
    """

    key: str
    value: Any
    raw_value: Any
    rule_id: str
    start: int
    end: int
    text: str
    section: str | None
    sentence_start: int
    sentence_end: int
    negated: bool = False
    historical: bool = False
    resolved: bool = False
    hypothetical: bool = False
    future: bool = False
    family: bool = False
    uncertain: bool = False

    @property
    def flags(self) -> dict[str, bool]:
        return {
            "negated": self.negated,
            "historical": self.historical or self.resolved,
            "hypothetical": self.hypothetical or self.future,
            "family": self.family,
            "uncertain": self.uncertain,
        }


def silence_third_party_loggers() -> None:
    """PyRuSH logs every sentence (note text) through loguru at DEBUG: switch it off."""
    try:
        from loguru import logger

        logger.disable("PyRuSH")
        logger.disable("medspacy")
    except ImportError:  # pragma: no cover - loguru comes with medspacy
        pass


class _Candidate:
    __slots__ = ("rule", "start", "end", "sentence", "value")

    def __init__(self, rule: TargetRule, start: int, end: int, sentence: int, value: Any):
        self.rule, self.start, self.end, self.sentence, self.value = rule, start, end, sentence, value


class NoteReader:
    """The extraction pipeline for single notes; build once, reuse for every note."""

    def __init__(self, rules: ExtractionRules | None = None):
        silence_third_party_loggers()
        warnings.filterwarnings("ignore", message=r"\[W036\]")  # empty medspaCy sub-matchers
        import spacy

        self.rules = rules or default_rules()
        self.sections = SectionDetector(self.rules.sections)
        stems = sorted(self.rules.triggers, key=len, reverse=True)
        self._trigger = compile_stems(stems)
        self._trigger_lowered = compile_stems(stems, for_lowered_ascii=True)
        # a matched stem also stands for every stem inside it at a word start ("not recommend"
        # holds "not" and "recommend"): the scan does not overlap matches, so those are not seen
        self._keys_of_stem = {
            s: frozenset().union(*(self.rules.triggers[p] for p in stems if _starts_a_word_in(p, s))) for s in stems
        }
        # per key, what the matching loop reads of each rule (one tuple, no attribute lookups)
        by_key: dict[str, list[tuple]] = {}
        for rule in self.rules.targets:
            conditional = bool(rule.sections is not None or rule.not_sections is not None or rule.not_before
                               or rule.not_after or rule.near or rule.not_near or rule.scope)
            by_key.setdefault(rule.key, []).append((rule, rule.required, rule.regex.finditer, conditional))
        self._rules_by_key: dict[str, tuple[tuple, ...]] = {k: tuple(v) for k, v in by_key.items()}
        # keys whose every rule needs a concept somewhere in the note (a trial key: an intrathecal
        # trial in the note): a note without it skips those rules before any regex runs
        self._note_scope: dict[str, tuple[str, ...]] = {}
        for key, entries in by_key.items():
            scopes = {(r.scope, r.scope_window) for r, *_ in entries}
            if len(scopes) == 1:
                (scope, window), = scopes
                if scope and window == "note":
                    self._note_scope[key] = tuple(scope)
        self._series = tuple((rule, series_target(rule)) for rule in self.rules.series)

        self.normalizer = Normalizer(self.rules.abbreviations)
        self.nlp = spacy.blank("en")
        self.context = SentenceContext(self.nlp, self.rules.context)

    # ------------------------------------------------------------------ public
    def read(self, text: str, note_date: date | None = None) -> list[Mention]:
        """Every mention of every finding key in ``text``. The rules read the note's
        normalized view (``nlp.views``: abbreviations written out); every mention's offsets,
        sentence and quote are the original note's."""
        text = sanitise(text)
        view = self.normalizer.view(text)
        mentions = self._read_view(view, note_date)
        if not view.identity:
            for m in mentions:
                _to_original(m, view)
        return mentions

    def _read_view(self, normalized: TextView, note_date: date | None) -> list[Mention]:
        text = normalized.text
        sentences = split_sentences(text)
        if not sentences:
            return []
        starts = [s for s, _ in sentences]
        section_index = self.sections.index(text)
        # same length: offsets are shared with ``text``
        ocr = ocr_view(text)
        view = _blank_leaders(_unwrap(spelled_numbers_view(ocr), sentences))
        kinds = self.note_kinds(ocr)  # OCR'd titles too ("PROCEDURE NOTE - lNTRATHECAL DRUG TRlAL")
        candidates = _drop_contained(self._match(view, sentences, starts, section_index, note_date, kinds))
        if self._series:
            candidates += self._series_candidates(view, sentences)
        if not candidates:
            return []
        flags = self._assert(view, sentences, [(c.start, c.end, c.sentence) for c in candidates])
        requests = _request_blocks(text, self.rules.request_header)
        if requests:
            for c, f in zip(candidates, flags):
                if any(rs <= c.start and c.end <= re_ for rs, re_ in requests):
                    f["future"] = True  # "Additional information requested: (a) ... documentation of intolerance"
        if self.rules.retraction is not None:
            retracted = {i - 1 for i, (a, b) in enumerate(sentences)
                         if i and self.rules.retraction.match(text, a, b)}
            for c, f in zip(candidates, flags):
                if c.sentence in retracted:
                    f["resolved"] = True  # "... for convenience. This is superseded by the device failure of 07/21"
        quotes = _long_quotes(text, self.rules.quote_attribution)
        if quotes:
            for c, f in zip(candidates, flags):
                if any(qs <= c.start and c.end <= qe for qs, qe in quotes):
                    f["hypothetical"] = True  # a quoted criterion states a rule, not a fact
        # forms are read in the original: a written-out abbreviation would shift a form's columns
        absent = _apply_form_answers(normalized.original,
                                     [normalized.original_span(c.start, c.end) for c in candidates], flags,
                                     [c.rule.key in self.rules.absent_when_met and c.value is not False for c in candidates])
        for c, f, a in zip(candidates, flags, absent):
            if a is None and not f["negated"] and self._in_field_label(view, c):
                f["uncertain"] = True  # "Coagulopathy: INR 1.1": the label names it, the value does not state it
        kept = _own_words_first(text, candidates, self.rules.dated_block_header)
        return [self._mention(text, c, f, sentences, section_index, a)
                for c, f, a, k in zip(candidates, flags, absent, kept) if k]

    def assertion(self, text: str, spans: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
        """ConText's verdict for arbitrary character spans of ``text``."""
        text = sanitise(text)
        sentences = split_sentences(text) or [(0, len(text))]
        starts = [s for s, _ in sentences]
        located = []
        for start, end in spans:
            if not (0 <= start < end <= len(text)):
                raise ValueError(f"span ({start}, {end}) is outside the text (length {len(text)})")
            i = max(bisect.bisect_right(starts, start) - 1, 0)
            located.append((start, end, i))
        section_index = self.sections.index(text)
        verdicts = self._assert(text, sentences, located)
        _apply_form_answers(text, [(start, end) for start, end, _ in located], verdicts)
        out = []
        for (start, end, i), flags in zip(located, verdicts):
            flags = self._with_section_flag(flags, section_index.section_at(start))
            out.append(
                {
                    "start": start,
                    "end": end,
                    "negated": flags["negated"],
                    "historical": flags["historical"] or flags["resolved"],
                    "hypothetical": flags["hypothetical"] or flags["future"],
                    "family": flags["family"],
                    "uncertain": flags["uncertain"],
                }
            )
        return out

    # ------------------------------------------------------------------ steps
    def note_kinds(self, text: str) -> frozenset[str]:
        """The kinds of ``text`` (note_kinds.yaml): those whose title is in its head."""
        if not self.rules.note_kinds:
            return frozenset()
        lines = [line for line in text[:4000].split("\n") if _LETTER.search(line)][:self.rules.note_head_lines]
        return self._titled("\n".join(line for line in lines if len(line.strip()) <= _TITLE_CHARS))  # titles, not prose

    def _titled(self, titles: str) -> frozenset[str]:
        """The note kinds whose title pattern is in ``titles`` (a note's head, a paragraph's heading)."""
        if not titles:
            return frozenset()
        return frozenset(name for name, title in self.rules.note_kinds.items() if title.search(titles))

    def _match(self, text, sentences, starts, section_index: SectionIndex, note_date,
               kinds: frozenset[str] = frozenset()) -> list[_Candidate]:
        keys_by_sentence: dict[int, set[str]] = {}
        lowered_note = text.lower() if text.isascii() else None
        for m in self._trigger_scan(text if lowered_note is None else lowered_note, lowered_note is not None):
            keys = self._keys_of_stem.get(m.group(0).lower())
            if not keys:
                continue
            i = bisect.bisect_right(starts, m.start()) - 1
            if i < 0 or m.start() >= sentences[i][1]:
                continue
            keys_by_sentence.setdefault(i, set()).update(keys)
        cache: dict[tuple, bool] = {}
        whole = (0, len(text))
        for i, keys in keys_by_sentence.items():
            keys.difference_update([k for k in keys if k in self._note_scope and not all(
                self._concept_in(name, whole, text, cache) for name in self._note_scope[k])])
        found: list[_Candidate] = []
        seen: set[tuple] = set()
        for i in sorted(keys_by_sentence):
            s_start, s_end = sentences[i]
            if lowered_note is not None:  # lower-cased ASCII, for the literal pre-check
                lowered = lowered_note[s_start:s_end]
            else:
                sentence = text[s_start:s_end]
                lowered = sentence.lower() if sentence.isascii() else None
            for key in sorted(keys_by_sentence[i]):
                for rule, required, finditer, conditional in self._rules_by_key.get(key, ()):
                    if lowered is not None:  # literals.could_match, inlined (~200 rules per dense note)
                        missing = False
                        for any_of in required:
                            for literal in any_of:
                                if literal in lowered:
                                    break
                            else:
                                missing = True
                                break
                        if missing:
                            continue
                    for m in finditer(text, s_start, s_end):
                        start, end = m.span(rule.group) if rule.group is not None else m.span()
                        if start < 0 or start == end or (rule.id, start, end) in seen:
                            continue
                        if conditional and not self._conditions_hold(rule, text, i, sentences, section_index,
                                                                     start, end, cache, kinds):
                            continue
                        value = rule.value
                        if rule.parser:
                            value = PARSERS[rule.parser](m.group(0), note_date)
                            if value is None:
                                continue
                            if rule.parser in BOUNDED_PARSERS:
                                value = bounded_by(text[max(s_start, start - 24):start], value)
                            if isinstance(value, (UpperBound, LowerBound)):
                                decided = decides(key, value)
                                if decided == "none":
                                    continue  # "6 months or less": says nothing about "> 3" or ">= 3"
                                if decided == "all":
                                    value = float(value)  # "less than 3 months" fails them all: a plain value
                                # else a bound the engine judges threshold by threshold ("3 months or
                                # more": meets ">= 3", leaves "> 3" open)
                            if rule.lower_bound_unless is not None and not rule.lower_bound_unless.search(m.group(0)) \
                                    and not decided_above(key, value):
                                continue  # "PT x 8 wks": at least 1.8 months of care, not its length
                            if rule.at_most is not None:
                                if value > rule.at_most:
                                    continue  # too old to support the finding; never a "false"
                                value = True
                        seen.add((rule.id, start, end))
                        found.append(_Candidate(rule, start, end, i, value))
        return found

    def _trigger_scan(self, text: str, lowered: bool):
        """The trigger stems of ``text``, in order. A phrase stem ("no other") does not hide a
        stem that starts inside it ("other programmable"): the scan goes on from its second word."""
        pattern = self._trigger_lowered if lowered else self._trigger
        pos = 0
        while True:
            m = pattern.search(text, pos)
            if m is None:
                return
            yield m
            space = _WHITESPACE.search(m.group(0))
            pos = m.start() + space.end() if space else m.end()

    def _series_candidates(self, text, sentences) -> list[_Candidate]:
        """Values derived from several quantities (``nlp.series``): per group, the anchor and
        the two quantities the value was derived from, each a candidate with that value. A
        quantity ConText reads as negated, hypothetical, planned or a relative's is left out
        before deriving ("goal: taper to 40 MME")."""
        out: list[_Candidate] = []
        for rule, target in self._series:
            found = groups(rule, text, sentences)
            if not found:
                continue
            flags = iter(self._assert(text, sentences, [(q.start, q.end, q.sentence) for g in found for q in g.quantities]))
            for g in found:
                kept = tuple(q for q in g.quantities
                             if not any(f for k, f in next(flags).items() if k in ("negated", "hypothetical", "future", "family")))
                got = derive(rule, Group(g.anchor, kept))
                if got is None:
                    continue
                value, first, last = got
                out.append(_Candidate(target, g.anchor[0], g.anchor[1], g.anchor[2], value))
                out.extend(_Candidate(target, q.start, q.end, q.sentence, value) for q in (first, last))
        return out

    def _conditions_hold(self, rule, text, i, sentences, section_index, start, end, cache,
                         kinds: frozenset[str] = frozenset()) -> bool:
        if rule.sections is not None or rule.not_sections is not None:
            section = section_index.section_at(start) or "none"
            if rule.sections is not None and section not in rule.sections:
                return False
            if rule.not_sections is not None and section in rule.not_sections:
                return False
        s_start, s_end = sentences[i]
        if rule.not_before and rule.not_before.search(text[max(s_start, start - 40):start]):
            return False
        if rule.not_after and rule.not_after.search(text[end:min(s_end, end + 40)]):
            return False
        if rule.near and not (rule.or_note_kind and (rule.or_note_kind & kinds
                                                     or rule.or_note_kind & self._heading_kinds(text, start, cache))):
            window = self._window(rule.window, text, i, sentences, section_index, start)
            if not all(self._concept_in(name, window, text, cache) for name in rule.near):
                return False
        if rule.not_near:
            window = self._window(rule.not_near_window, text, i, sentences, section_index, start)
            if any(self._concept_in(name, window, text, cache) for name in rule.not_near):
                return False
        if rule.scope:  # last: a note-wide concept search costs most, and the rule's own conditions often fail first
            window = self._window(rule.scope_window, text, i, sentences, section_index, start)
            if not all(self._concept_in(name, window, text, cache) for name in rule.scope):
                return False
        return True

    def _heading_kinds(self, text: str, offset: int, cache: dict) -> frozenset[str]:
        """The note kinds (note_kinds.yaml) whose title heads the paragraph holding ``offset``: its
        first line, when that is a short title of its own ("INTRATHECAL TRIAL 06/30/2026" over the
        trial's paragraph) - the paragraph is a note of that kind inside the note."""
        start, _ = _item_bounds(text, offset)
        key = ("heading", start)
        if key not in cache:
            line_end = text.find("\n", start)
            title = text[start:line_end].strip() if 0 <= line_end < offset else ""
            heading = len(title) <= _HEADING_CHARS and not _SENTENCE_END.search(title)
            cache[key] = self._titled(title if heading else "")
        return cache[key]

    def _window(self, kind, text, i, sentences, section_index, offset) -> tuple[int, int]:
        if kind == "sentence":
            return sentences[i]
        if kind == "neighbors":
            return sentences[max(i - 1, 0)][0], sentences[min(i + 1, len(sentences) - 1)][1]
        if kind == "item":  # the list item or paragraph holding the sentence, and at least its neighbours
            lo, hi = self._window("neighbors", text, i, sentences, section_index, offset)
            start, end = _item_bounds(text, offset)
            return min(lo, start), max(hi, end)
        if kind == "section":
            j = bisect.bisect_right(section_index.starts, offset) - 1
            lo = section_index.starts[j] if j >= 0 else 0
            hi = section_index.starts[j + 1] if j + 1 < len(section_index.starts) else len(text)
            return lo, hi
        return 0, len(text)

    def _concept_in(self, name, window, text, cache) -> bool:
        key = (name, window)
        if key not in cache:
            cache[key] = self.rules.concepts[name].search(text, window[0], window[1]) is not None
        return cache[key]

    def _assert(self, text, sentences, located: Sequence[tuple[int, int, int]]) -> list[dict[str, bool]]:
        """Run ConText on digest Docs of the sentences that hold the spans, at most
        ``_DIGEST_SENTENCES`` sentences per Doc (ConText's scope resolution is quadratic in
        the number of modifiers of a Doc, so long notes are cut into bounded pieces). A
        sentence without a cue that could modify its spans gets no Doc: no flags."""
        lines = {}  # sentence -> its text as one line, for the sentences ConText must read
        spans_of: dict[int, list[tuple[int, int]]] = {}
        for start, end, i in located:
            spans_of.setdefault(i, []).append((start, end))
        for i in sorted(spans_of):
            s, e = sentences[i]
            line = _flatten_whitespace(text[s:e])
            if "(" in line:
                line = self._without_asides(line, s, spans_of[i])
            if self.context.could_modify(line):
                lines[i] = line
        flags = [dict.fromkeys(_FLAG_OF_CATEGORY.values(), False) for _ in located]
        used = list(lines)
        for lo in range(0, len(used), _DIGEST_SENTENCES):
            chunk = {i: lines[i] for i in used[lo:lo + _DIGEST_SENTENCES]}
            members = [n for n, (_, _, i) in enumerate(located) if i in chunk]
            for n, f in zip(members, self._assert_digest(sentences, chunk, [located[n] for n in members])):
                flags[n] = f
        return flags

    def _without_asides(self, line: str, offset: int, spans: Sequence[tuple[int, int]]) -> str:
        """``line`` with the parenthetical asides before all of its spans blanked (same length)
        where they hold no ConText cue: "pt's sister (also a patient here, different MRN) has
        metastatic melanoma" keeps the family cue within its token scope of the condition.
        Asides after a span stay (they keep a later cue out of that span's reach, as written)."""
        def blank(m: re.Match) -> str:
            if not all(offset + m.end() <= start for start, _ in spans):
                return m.group(0)  # a span before (or in) the aside
            if self.context.could_modify(m.group(0)):
                return m.group(0)
            return " " * len(m.group(0))

        return _ASIDE.sub(blank, line)

    def _assert_digest(self, sentences, lines: dict[int, str], located: Sequence[tuple[int, int, int]]) -> list[dict[str, bool]]:
        """ConText on one digest Doc: the given sentence lines joined by blank lines."""
        base_of, spans = {}, []
        cursor = 0
        for i, line in lines.items():
            base_of[i] = cursor - sentences[i][0]
            spans.append((cursor, cursor + len(line)))
            cursor += len(line) + 2
        digest = "\n\n".join(lines.values())
        doc = self.nlp.make_doc(digest)
        # every ConText rule has a token window (see nlp.context), so spaCy sentence
        # boundaries are not needed; modifiers are kept to their target's sentence
        targets, index_of_target = [], []
        for n, (start, end, i) in enumerate(located):
            span = doc.char_span(start + base_of[i], end + base_of[i], alignment_mode="expand")
            if span is not None and len(span):
                targets.append((span.start, span.end))
                index_of_target.append(n)
        flags = [dict.fromkeys(_FLAG_OF_CATEGORY.values(), False) for _ in located]
        for n, categories in zip(index_of_target, self.context.categories(doc, targets, spans, digest)):
            for category in categories:
                flag = _FLAG_OF_CATEGORY.get(category)
                if flag:
                    flags[n][flag] = True
        return flags

    def _in_field_label(self, text: str, c: _Candidate) -> bool:
        """Whether ``c`` lies wholly in the label of a "Label: value" line whose value does
        not begin affirmatively (context.yaml ``field_labels``)."""
        if c.rule.key not in self.rules.field_label_keys:
            return False
        line_start = text.rfind("\n", 0, c.start) + 1
        colon = text.find(":", c.end, c.end + 60)
        line_end = text.find("\n", c.start)
        line_end = len(text) if line_end < 0 else line_end
        if colon < 0 or colon >= line_end or ":" in text[line_start:c.start] or colon - line_start > 80:
            return False
        if not re.fullmatch(r"[\w\s/(),&.-]*", text[c.end:colon]):
            return False  # only more label words between the mention and the colon
        before = [w.lower() for w in re.findall(r"[A-Za-z]+", text[line_start:c.start])]
        if len(before) > 8 or _PROSE_WORDS.intersection(before):
            return False  # "He has dementia: MoCA 14/30" is a sentence, not a label
        value = text[colon + 1:line_end]
        affirmative = self.rules.field_label_affirmative
        return not (affirmative is not None and affirmative.match(value))

    def _with_section_flag(self, flags: dict[str, bool], section: str | None) -> dict[str, bool]:
        """``flags`` with the flag its section sets on every mention (sections.yaml
        ``assertions``: "FHx: ..." is family, "Consent: risks ..." hypothetical)."""
        section_flag = self.rules.section_flags.get(section)
        return {**flags, section_flag: True} if section_flag else flags

    def _mention(self, text, c: _Candidate, flags, sentences, section_index, form: str | None = None) -> Mention:
        section = section_index.section_at(c.start)
        flags = self._with_section_flag(flags, section)
        value = c.value
        for state in _STATE_ORDER:
            if flags[state]:
                override = c.rule.states[state]
                value = c.value if override == KEEP else override
                if state == "negated" and form == ABSENT and override == KEEP:
                    # a rule that keeps its value when negated holds its negation in its own words
                    # ("anticoagulation that cannot be held"); a form answering "No" for it says
                    # the label's statement is false
                    value = (not c.value) if isinstance(c.value, bool) else None
                break
        if form == UNANSWERED:
            value = None  # a blank checklist row or "Not documented" states nothing, whatever the label says
        s_start, s_end = sentences[c.sentence]
        return Mention(
            key=c.rule.key,
            value=value,
            raw_value=c.value,
            rule_id=c.rule.id,
            start=c.start,
            end=c.end,
            text=text[c.start:c.end],
            section=section,
            sentence_start=s_start,
            sentence_end=s_end,
            **flags,
        )


def _item_bounds(text: str, offset: int) -> tuple[int, int]:
    """The list item or paragraph holding ``offset``: back to the line that starts with a
    bullet or follows a blank line (at most ``_ITEM_MAX_LINES`` lines), on to the next item or
    blank line."""
    start = text.rfind("\n", 0, offset) + 1
    for _ in range(_ITEM_MAX_LINES):
        if start == 0 or _BULLET_LINE.match(text, start):
            break
        above = text.rfind("\n", 0, start - 1) + 1
        if not text[above:start - 1].strip():
            break  # a blank line above: the paragraph starts here
        start = above
    tail = _ITEM_BREAK.search(text, offset)
    return start, (tail.start() if tail else len(text))


def _starts_a_word_in(stem: str, longer: str) -> bool:
    """Whether ``stem`` occurs in ``longer`` where a stem can match: at its start, or (for a
    stem that starts with a letter) after a character that is not one."""
    if longer.startswith(stem):
        return True
    i = longer.find(stem, 1)
    while i > 0:
        if not (stem[0].isalpha() and longer[i - 1].isalpha()):
            return True
        i = longer.find(stem, i + 1)
    return False


def _to_original(m: Mention, view: TextView) -> None:
    """Point ``m`` (read on ``view``) into the original note."""
    m.start, m.end = view.original_span(m.start, m.end)
    m.sentence_start, m.sentence_end = view.original_span(m.sentence_start, m.sentence_end)
    m.text = view.original[m.start:m.end]


_OCR_ZERO = re.compile(r"(?<=[A-Za-z])0(?=[A-Za-z])|\b0(?=[A-Z]{2,})|(?<=[A-Z]{2})0\b|(?<=\b[Nn])0(?=[ \t\n]+[a-z])")
_OCR_ONE = re.compile(r"(?<=[a-z])1(?=[a-z])")
_OCR_ANY = re.compile(r"[A-Za-z][01]|\b0[A-Z]")  # what every swap above needs: one search, usually none


_SPEECH_SPLITS = re.compile(r"\b([Ii])n (trathecal)\b")


def ocr_view(text: str) -> str:
    """The text as the rules read it: OCR's digit-for-letter swaps inside words undone
    ("0PIOIDS" -> "OPIOIDS", "pr0gram" -> "program", "fai1ed" -> "failed") and speech
    recognition's split of "intrathecal" ("in trathecal") joined; "N0 history" is "No history"
    (a TNM stage is followed by a capital: "N0 M0"). Same length, so every
    offset still points into the original note; evidence quotes the original."""
    if "trathecal" in text:
        text = _SPEECH_SPLITS.sub(lambda m: f"{m.group(1)}n{m.group(2)} ", text)
    if ("0" not in text and "1" not in text) or not _OCR_ANY.search(text):
        return text
    return _OCR_ONE.sub("l", _OCR_ZERO.sub("O", text))


def _drop_contained(candidates: list[_Candidate]) -> list[_Candidate]:
    """Longest match wins within a finding key: a mention inside a longer mention of the
    same key is dropped ("Psychological evaluation" inside "Psychological evaluation:
    [ ] Completed  [X] Scheduled 05/29"). One sorted sweep per key (a note may hold
    thousands of mentions)."""
    by_key: dict[str, list[_Candidate]] = {}
    for c in candidates:
        by_key.setdefault(c.rule.key, []).append(c)
    dropped = set()
    for group in by_key.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda c: (c.start, -c.end))
        reach_start, reach_end = -1, -1  # the earlier mention that reaches furthest
        for c in group:
            if reach_end >= c.end and reach_end - reach_start > c.end - c.start:
                dropped.add(id(c))
            if c.end > reach_end:
                reach_start, reach_end = c.start, c.end
    return [c for c in candidates if id(c) not in dropped] if dropped else candidates


_ASIDE = re.compile(r"\([^()]{12,120}\)")

_PROSE_WORDS = frozenset("he she they patient pt has have had is was are were with denies reports notes the".split())

_WRAPS = str.maketrans({"\n": " ", "\r": " "})


def _unwrap(view: str, sentences: Sequence[tuple[int, int]]) -> str:
    """The view with the line breaks inside each sentence made spaces (same length): a
    sentence the splitter joined across a soft wrap ("his body\nhabitus is insufficient")
    reads as one line, so multi-word rules match it."""
    if "\n" not in view:
        return view
    pieces, cursor = [], 0
    for start, end in sentences:
        if "\n" in view[start:end]:
            pieces.append(view[cursor:start])
            pieces.append(view[start:end].translate(_WRAPS))
            cursor = end
    if not pieces:
        return view
    pieces.append(view[cursor:])
    return "".join(pieces)


_LEADER = re.compile(r"\.{4,}|_{4,}|…+")


def _blank_leaders(view: str) -> str:
    """The view with dot and underscore leaders made spaces (same length): a rule reads
    "Conservative tx ............ since 08/2024, failed" as it reads "Conservative tx since
    08/2024, failed" (forms read their leaders in the original text)."""
    if "...." not in view and "____" not in view and "…" not in view:
        return view
    return _LEADER.sub(lambda m: " " * len(m.group(0)), view)


ABSENT, UNANSWERED = "absent", "unanswered"  # what a form row says of the targets in its label


def _apply_form_answers(text: str, spans: Sequence[tuple[int, int]], flags: list[dict[str, bool]],
                        absent_when_met: Sequence[bool] = ()) -> list[str | None]:
    """A target inside the label of a form row answered "absent" ("Active infection
    ...... [ ]  [X]" under "Yes  No", "Coagulopathy ........ No") is negated, one inside
    the label of a grid row left blank ("[ ]  [ ]") or a worksheet row "Not documented" is
    uncertain (nlp.forms). A worksheet status "Met" negates a target whose criterion is its
    absence (``absent_when_met``, per span: "Active infection    Met    none documented")
    and keeps any other; "Not met" negates any other and keeps such a target.
    Returns, per span, what a form answered: ``ABSENT``, ``UNANSWERED`` (no rule's
    ``uncertain: keep`` asserts it) or None."""
    absent: list[str | None] = [None] * len(spans)
    answers = form_answers(text)
    if not answers:
        return absent
    starts = [a[0] for a in answers]
    for n, ((start, end), f) in enumerate(zip(spans, flags)):
        i = bisect.bisect_right(starts, start) - 1
        if i < 0 or end > answers[i][1]:
            continue
        present = answers[i][2]
        if present in (MET, NOT_MET):
            criterion_is_absence = n < len(absent_when_met) and absent_when_met[n]
            present = (present == MET) != criterion_is_absence
        if present is None:
            f["uncertain"] = True
            absent[n] = UNANSWERED
        elif not present:
            f["negated"] = True
            absent[n] = ABSENT
    return absent


_LIST_ITEM = re.compile(r"[ \t]+\S|(?:\(?[A-Za-z0-9]{1,2}[.)]|[-*•])[ \t]")


def _request_blocks(text: str, header: re.Pattern | None) -> list[tuple[int, int]]:
    """Spans of the list items under a request for records (context.yaml ``request_lists``):
    from the end of a header line that matches ``header`` and ends in a colon, through the
    following lines, up to a blank line that is followed by a line neither indented nor an item."""
    if header is None:
        return []
    spans = []
    for m in header.finditer(text):
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end == -1 else line_end
        if not text[m.end():line_end].rstrip().endswith(":"):
            continue
        pos = end = line_end
        while pos < len(text):
            nxt = text.find("\n", pos + 1)
            nxt = len(text) if nxt == -1 else nxt
            line = text[pos + 1:nxt]
            if not line.strip():
                after = text.find("\n", nxt + 1)
                following = text[nxt + 1:len(text) if after == -1 else after]
                if not following.strip() or not _LIST_ITEM.match(following):
                    break
            elif not _LIST_ITEM.match(line) and end != line_end and not line[:1].isspace():
                break
            end = nxt
            pos = nxt
        if end > line_end:
            spans.append((line_end, end))
    return spans


def _own_words_first(text: str, candidates: Sequence[_Candidate], header: re.Pattern | None) -> list[bool]:
    """Which candidates to keep: one inside a block copied from an older dated document
    ("HPI (from 11/10/2025):") is dropped when the note states the same key in its own words
    ("pain today 6/10"); alone, it stays (older evidence is still evidence)."""
    older = _dated_blocks(text, header)
    if not older:
        return [True] * len(candidates)
    inside = [any(bs <= c.start and c.end <= be for bs, be in older) for c in candidates]
    own_keys = {c.rule.key for c, i in zip(candidates, inside) if not i}
    return [not (i and c.rule.key in own_keys) for c, i in zip(candidates, inside)]


_RULE_LINE = re.compile(r"[ \t]*[-=_*]{3,}")


def _dated_blocks(text: str, header: re.Pattern | None) -> list[tuple[int, int]]:
    """Spans of blocks copied from an older dated document (context.yaml ``dated_blocks``):
    the lines after a matching header line, up to a blank line or a rule line (``---``)."""
    if header is None or "(" not in text:
        return []
    spans = []
    for m in header.finditer(text):
        start = text.find("\n", m.end())
        if start == -1:
            continue
        end = pos = start
        while pos < len(text):
            nxt = text.find("\n", pos + 1)
            nxt = len(text) if nxt == -1 else nxt
            line = text[pos + 1:nxt]
            if not line.strip() or _RULE_LINE.match(line):
                break
            end = pos = nxt
        if end > start:
            spans.append((start, end))
    return spans


_QUOTE_MARK = re.compile(r"[\"“”]")
# a quote in the first person is someone's words, never a policy's criterion ("No further surgical
# option - I would not offer revision.")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|we|We|my|My|our|Our)\b")
_MIN_QUOTE = 40


def _long_quotes(text: str, attribution: re.Pattern | None = None) -> list[tuple[int, int]]:
    """Spans of long quoted passages: in appeal and necessity letters these quote the
    payer's criteria ("c. Failure or inability to tolerate ..."), which are not findings.
    Quote marks are paired in order within each paragraph (a curly quote opens or closes by
    its shape), so the answer between two quoted criteria is never taken as quoted. A quote
    attributed to someone just before its opening mark (``context.yaml``
    ``attributed_quotes``: "Dr. Lu, PsyD: "cleared ..."", also on the line above), or one in
    the first person ("... I would not offer revision."), is someone's words, and is read."""
    if '"' not in text and "“" not in text:
        return []
    spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        opened = None
        for m in _QUOTE_MARK.finditer(text, paragraph.start(), paragraph.end()):
            mark = m.group(0)
            if opened is None and mark != "”":
                opened = m.start()
            elif opened is not None and mark != "“":
                if m.end() - opened >= _MIN_QUOTE and not _FIRST_PERSON.search(text, opened, m.end()) and not (
                        attribution is not None and attribution.search(text, max(0, opened - 80), opened)):
                    spans.append((opened, m.end()))
                opened = None
    return spans


_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " "})


_FILLER_CHARS = "_.=*~-"
_FILLER_RUN = re.compile(r"([_.=*~\-])\1{7,}")  # eight or more of one of _FILLER_CHARS


def _flatten_whitespace(sentence: str) -> str:
    """A wrapped sentence as one line (same length): multi-word cues such as "treated and
    resolved" must match across an OCR or dictation line break. Long runs of one filler
    character (dot leaders, underscores of a blank field) become spaces too: spaCy's
    tokenizer splits such a run one character at a time, in time quadratic in its length."""
    sentence = sentence.translate(_LINE_BREAKS)
    if any(char * 8 in sentence for char in _FILLER_CHARS):  # what _FILLER_RUN needs
        sentence = _FILLER_RUN.sub(lambda m: " " * len(m.group(0)), sentence)
    return sentence


@lru_cache(maxsize=1)
def default_reader() -> NoteReader:
    """The process-wide reader (built once; cheap to reuse, expensive to build)."""
    return NoteReader()
