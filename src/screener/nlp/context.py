"""Assertion with medspaCy's ConText, each cue kept to its own sentence.

``SentenceContext`` adds medspaCy's ``medspacy_context`` component (with the cues of
rules/extraction/context.yaml) to a blank pipeline and uses its phrase and token matchers,
its pruning of overlapping cues and its ``ConTextModifier`` scopes, so cue matching,
windows, terminators and the mutual limiting of same-category cues are medspaCy's own
(regex cues excepted, below). Only the last step differs: medspaCy checks every
target against every modifier of the Doc, which is quadratic in the size of a Doc; here a
target is checked only against the modifiers of its own sentence (the same result, because
a modifier never counts outside its sentence anyway), and a cue inside the target's own
words never counts ("non-opioid" is a concept, not a negation).

What it returns for each target: the set of ConText categories that modify it
(``NEGATED_EXISTENCE``, ``HISTORICAL``, ...). The reader maps them to flags.

Two speed-ups keep the result and skip work:

- ``could_modify(sentence)``: one scan of a sentence for any cue that can modify a target
  (not a terminator, not a pseudo-cue). Most sentences of a dense note have none; the
  reader gives their targets no categories without building a Doc for them.
- Regex cues are matched within each sentence (``finditer`` bounded by the sentence), so a
  cue's look-ahead never reads the next sentence of a digest and a sentence's cues do not
  depend on which other sentences share its Doc.
"""
from __future__ import annotations

import bisect
import re
from typing import Sequence

from .literals import could_match, first_char_guard, required_literals
from .trie import Fragment, trie_pattern

# A cue without its own max_scope reaches this many tokens (in its direction) within its
# sentence. A window instead of spaCy sentence spans keeps ConText linear in the Doc size.
DEFAULT_SCOPE = 20
# conditionals and plans govern a whole clause ("if the trial gives at least 50% relief with
# improved function and tolerable side effects, ..."): a wider window
WIDE_SCOPE = 40
_WIDE_SCOPE_CATEGORIES = frozenset({"HYPOTHETICAL", "FUTURE", "POSSIBLE_EXISTENCE"})
_INERT_DIRECTIONS = frozenset({"TERMINATE", "PSEUDO"})


class SentenceContext:
    """medspaCy ConText on a Doc whose sentences start at known character offsets."""

    def __init__(self, nlp, specs) -> None:
        from .medspacy_imports import without_quickumls

        with without_quickumls():
            from medspacy.context import ConText, ConTextModifier, ConTextRule  # registers "medspacy_context"
            from medspacy.context.context_graph import ConTextGraph
            from medspacy.util import tuple_overlaps

        self.component: ConText = nlp.add_pipe(
            "medspacy_context",
            config={
                "rules": None,
                "input_span_type": "group",
                "span_group_name": "screener_targets",
                "span_attrs": None,
                "max_scope": DEFAULT_SCOPE,
            },
        )
        rules = context_rules(specs, ConTextRule)
        for rule in rules:  # the per-sentence check below assumes medspaCy's defaults for these
            if rule.allowed_types or rule.excluded_types or rule.on_modifies or rule.max_targets or rule.on_match:
                raise ValueError(f"context rule {rule.literal!r}: type filters, callbacks and max_targets are not supported")
        self.component.add(rules)
        matcher = self.component._ConText__matcher  # medspaCy 1.3.1's MedspacyMatcher
        self._rule_map, self._prune = matcher.rule_map, matcher._prune
        self._token_matcher = matcher._MedspacyMatcher__matcher
        self._phrase_matcher = matcher._MedspacyMatcher__phrase_matcher
        # each regex cue with the strings every match of it contains, to skip a digest without them
        self._regex_cues = [(match_id, [(pattern, required_literals(pattern)) for pattern in patterns])
                            for match_id, patterns in matcher._MedspacyMatcher__regex_matcher._patterns.items()]
        from medspacy.common.util import prune_overlapping_matches

        self._prune_overlapping = prune_overlapping_matches
        self._modifier, self._graph, self._overlaps = ConTextModifier, ConTextGraph, tuple_overlaps
        self._modifying_cues = _modifying_cue_patterns(nlp, rules)

    def could_modify(self, sentence: str) -> bool:
        """False when no cue that modifies a target can match in ``sentence`` (one line, as
        the reader puts it in a digest): ConText would give its targets no category.
        Phrase cues are looked for token by token (a token that spaCy may split off inside a
        word, the "not" of "cannot", without word edges); regex cues as they are."""
        if not sentence.isascii():
            return True  # lower-casing outside ASCII may not match token by token
        lowered = sentence.lower()
        for required, pattern in self._modifying_cues:
            if required is _AS_WRITTEN:
                if pattern.search(sentence):
                    return True
            elif could_match(required, lowered) and pattern.search(lowered):
                return True
        return False

    def categories(self, doc, targets: Sequence[tuple[int, int]], sentences: Sequence[tuple[int, int]],
                   text: str | None = None) -> list[set[str]]:
        """For each target (token start, token end) of ``doc``, the ConText categories of
        the modifiers that reach it from its own sentence. ``sentences``: the character
        spans of ``doc.text`` (given as ``text`` when the caller has it) that are sentences,
        ascending and apart."""
        ConTextModifier, ConTextGraph, tuple_overlaps = self._modifier, self._graph, self._overlaps
        rule_map, strings = self._rule_map, doc.vocab.strings
        sentence_starts = [start for start, _ in sentences]
        n_tokens = len(doc)
        modifiers = []
        for match_id, start, end in self._cue_matches(doc, doc.text if text is None else text, sentences):
            rule = rule_map[strings[match_id]]
            scope_start, scope_end = _scope(rule.direction, rule.max_scope, start, end, n_tokens)
            modifiers.append(ConTextModifier(rule, start, end, doc, scope_start, scope_end, self.component.max_scope))
        graph = ConTextGraph(modifiers=modifiers)
        graph.update_scopes()  # same-category cues and terminators limit each other's scope
        asides = _Asides(doc) if "(" in doc.text else None
        for modifier in modifiers if asides else ():  # then a cue inside a parenthesis stops at its closing bracket
            mod_start, mod_end = modifier.modifier_span
            scope_end = modifier.scope_span[1]
            if scope_end > mod_end:
                modifier._scope_end = asides.end(mod_start, mod_end, scope_end)  # medspaCy keeps no setter
        by_sentence: dict[int, list] = {}
        for modifier in modifiers:
            if modifier.direction in _INERT_DIRECTIONS:
                continue
            sentence = bisect.bisect_right(sentence_starts, doc[modifier.modifier_span[0]].idx)
            by_sentence.setdefault(sentence, []).append(modifier)
        out: list[set[str]] = []
        for start, end in targets:
            found: set[str] = set()
            sentence = bisect.bisect_right(sentence_starts, doc[start].idx)
            for modifier in by_sentence.get(sentence, ()):
                mod_start, mod_end = modifier.modifier_span
                if tuple_overlaps((mod_start, mod_end), (start, end)):
                    continue  # medspaCy: a modifier never modifies a target it overlaps
                if start <= mod_start and mod_end <= end:
                    continue  # a cue inside the target's own words is part of the concept
                if tuple_overlaps(modifier.scope_span, (start, end)):
                    found.add(modifier.category.upper())
            out.append(found)
        return out

    def _cue_matches(self, doc, text: str, sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
        """medspaCy's MedspacyMatcher (token patterns, phrases, regexes; overlapping cues
        pruned to the longest), with each regex cue matched inside one sentence (and not at
        all in a digest that lacks a string every match of it contains) and spans expanded
        to whole tokens."""
        matches = self._token_matcher(doc) + self._phrase_matcher(doc)
        lowered = text.lower() if text.isascii() else None
        for match_id, patterns in self._regex_cues:
            for pattern, required in patterns:
                if lowered is not None and not could_match(required, lowered):
                    continue  # a string every match contains is nowhere in the digest
                for start, end in sentences:
                    for found in pattern.finditer(text, start, end):
                        span = doc.char_span(found.start(), found.end(), alignment_mode="expand")
                        if span is not None and len(span):
                            matches.append((match_id, span.start, span.end))
        return self._prune_overlapping(matches) if self._prune else matches


def _scope(direction: str, max_scope: int, start: int, end: int, n_tokens: int) -> tuple[int, int]:
    """The token window ConTextModifier sets for a cue with its own ``max_scope`` (medspaCy
    1.3.1, ``__set_scope``: the span's ``window(max_scope)`` cut to the cue's direction),
    computed here so no window Span is built per cue."""
    direction = direction.lower()
    if direction == "forward":
        return end, min(end + max_scope, n_tokens)
    if direction == "backward":
        return max(start - max_scope, 0), start
    return max(start - max_scope, 0), min(end + max_scope, n_tokens)


_ASIDE_LOOKBACK = 12  # tokens


class _Asides:
    """The brackets and line breaks of a Doc (token indices), to cut a cue's forward scope at
    the bracket closing the parenthesis it stands in ("duloxetine (no effect), tapentadol ...
    pain uncontrolled": the "no" is about duloxetine)."""

    def __init__(self, doc) -> None:
        self.opens, self.stops, self.closes = [], [], []
        for token in doc:
            text = token.text
            if text == "(":
                self.opens.append(token.i)
            elif text == ")":
                self.closes.append(token.i)
                self.stops.append(token.i)
            elif "\n" in text:
                self.stops.append(token.i)

    def end(self, start: int, end: int, scope_end: int) -> int:
        k = bisect.bisect_left(self.opens, start) - 1
        if k < 0 or self.opens[k] < start - _ASIDE_LOOKBACK:
            return scope_end
        opened = self.opens[k]
        s = bisect.bisect_left(self.stops, start) - 1
        if s >= 0 and self.stops[s] > opened:
            return scope_end  # closed, or a line break, between the bracket and the cue
        c = bisect.bisect_left(self.closes, end)
        return self.closes[c] if c < len(self.closes) and self.closes[c] < scope_end else scope_end


def context_rules(specs, rule_class) -> list:
    """ConTextRules from the validated specs. Regex cues with the same category, direction
    and scope are merged into one alternation (medspaCy's RegexMatcher re-reads the whole
    Doc text once per pattern), plain literals stay separate."""
    rules, merged = [], {}
    for r in specs:
        # A terminator's own scope must be small: medspaCy's tuple_overlaps misses a scope
        # that encloses another, so a wide terminator window would fail to cut a cue's scope.
        default = WIDE_SCOPE if r.category in _WIDE_SCOPE_CATEGORIES else DEFAULT_SCOPE
        scope = 1 if r.direction == "TERMINATE" else (r.max_scope or default)
        if r.regex:
            merged.setdefault((r.category, r.direction, scope), []).append(r)
        else:
            rules.append(rule_class(literal=r.literal, category=r.category, direction=r.direction, max_scope=scope))
    for (category, direction, scope), group in merged.items():
        # medspaCy compiles cue patterns case-insensitively; the guard skips positions no cue can start at
        pattern = first_char_guard(re.compile("|".join(f"(?:{r.regex})" for r in group), re.IGNORECASE)).pattern
        literal = " | ".join(r.literal for r in group)
        rules.append(rule_class(literal=literal, category=category, direction=direction, pattern=pattern, max_scope=scope))
    return rules


def _modifying_cue_patterns(nlp, rules) -> list[tuple[tuple, re.Pattern]]:
    """Regexes, for lower-cased ASCII text, that find every place a cue of a modifying
    direction could match (they may find more), each with the literals it cannot match
    without (``literals.required_literals``). A phrase cue matches when spaCy's tokens
    equal its tokens in lower case, so its tokens appear in order with at most whitespace
    between them. A letters-only token stands between non-letters, unless one of spaCy's
    special cases splits it off inside a word ("cannot" -> "can", "not"): those words are
    looked for too. Regex cues are taken as they are, case-insensitive as medspaCy
    compiles them; one with a case-sensitive part (``(?-i:NED)``) is run on the sentence as
    written (``_AS_WRITTEN``), since lower-casing would hide or fake its matches."""
    from spacy.attrs import ORTH

    # token -> (what stands before it, after it) inside each special case that splits it off
    around: dict[str, list[tuple[str, str]]] = {}
    for pieces in nlp.tokenizer.rules.values():
        if len(pieces) > 1:
            lowered = [piece[ORTH].lower() for piece in pieces]
            for n, piece in enumerate(lowered):
                around.setdefault(piece, []).append(("".join(lowered[:n]), "".join(lowered[n + 1:])))

    def edges(token: str, side: int) -> list[list[str]]:
        """What may stand before (side 0) or after (side 1) ``token`` in the text."""
        if not (token.isascii() and token.isalpha()):
            return [[]]  # punctuation and the like: anything
        out = [[Fragment("(?<![a-z])" if side == 0 else "(?![a-z])")]]
        for context in around.get(token, ()):
            rest = context[side]
            if rest and list(rest) not in out:
                out.append(list(rest))
        return out

    sequences, regexes = [], []
    for rule in rules:
        if rule.direction in _INERT_DIRECTIONS:
            continue
        if isinstance(rule.pattern, str):
            regexes.append(rule.pattern)
            continue
        if rule.pattern is not None:  # a token pattern: no cheap test, every sentence is checked
            return [((), re.compile(""))]
        tokens = [t.text for t in nlp.make_doc(rule.literal.lower())]
        body: list[str] = []
        for n, token in enumerate(tokens):
            if n:
                body.append(Fragment(r"\s*"))
            body.extend(token)
        for before in edges(tokens[0], 0):
            for after in edges(tokens[-1], 1):
                sequences.append(before + body + after)
    patterns = [((), first_char_guard(re.compile(trie_pattern(sequences))))] if sequences else []
    for regex in regexes:  # one at a time: most sentences lack what each one requires
        compiled = re.compile(regex, re.IGNORECASE)
        if "(?-i:" in regex:  # a case-sensitive part ("NED"): looked for in the sentence as written
            patterns.append((_AS_WRITTEN, compiled))
        else:
            patterns.append((required_literals(compiled), compiled))
    return patterns


_AS_WRITTEN = ("as written",)  # marks a cue pattern that could_modify runs on the sentence, not lower-cased
