"""Assertion with medspaCy's ConText, each cue kept to its own sentence.

``SentenceContext`` adds medspaCy's ``medspacy_context`` component (with the cues of
rules/extraction/context.yaml) to a blank pipeline and uses its matcher and its
``ConTextModifier`` scopes, so cue matching, windows, terminators and the mutual limiting
of same-category cues are medspaCy's own. Only the last step differs: medspaCy checks every
target against every modifier of the Doc, which is quadratic in the size of a Doc; here a
target is checked only against the modifiers of its own sentence (the same result, because
a modifier never counts outside its sentence anyway), and a cue inside the target's own
words never counts ("non-opioid" is a concept, not a negation).

What it returns for each target: the set of ConText categories that modify it
(``NEGATED_EXISTENCE``, ``HISTORICAL``, ...). The reader maps them to flags.
"""
from __future__ import annotations

import bisect
import re
from typing import Sequence

from .literals import first_char_guard

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
            if rule.allowed_types or rule.excluded_types or rule.on_modifies or rule.max_targets:
                raise ValueError(f"context rule {rule.literal!r}: type filters, callbacks and max_targets are not supported")
        self.component.add(rules)
        _use_single_pass_regex_matcher(self.component)
        self._matcher = self.component._ConText__matcher  # medspaCy 1.3.1's MedspacyMatcher
        self._modifier, self._graph, self._overlaps = ConTextModifier, ConTextGraph, tuple_overlaps

    def categories(self, doc, targets: Sequence[tuple[int, int]], sentence_starts: Sequence[int]) -> list[set[str]]:
        """For each target (token start, token end) of ``doc``, the ConText categories of
        the modifiers that reach it from its own sentence. ``sentence_starts``: the
        character offset in ``doc.text`` where each sentence begins, ascending."""
        ConTextModifier, ConTextGraph, tuple_overlaps = self._modifier, self._graph, self._overlaps
        rule_map, strings = self._matcher.rule_map, doc.vocab.strings
        modifiers = [
            ConTextModifier(rule_map[strings[match_id]], start, end, doc, max_scope=self.component.max_scope)
            for match_id, start, end in self._matcher(doc)
        ]
        graph = ConTextGraph(modifiers=modifiers)
        graph.update_scopes()  # same-category cues and terminators limit each other's scope
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


def _use_single_pass_regex_matcher(context) -> None:
    """medspaCy's RegexMatcher rebuilds ``doc.text_with_ws`` for every pattern on every Doc
    (a fifth of the pipeline's time on dense notes). Give this component's instance a
    subclass that reads the text once; matches are the same (expanded to whole tokens)."""
    from medspacy.common.regex_matcher import RegexMatcher

    class SinglePassRegexMatcher(RegexMatcher):
        def __call__(self, doc):
            text = doc.text
            matches = []
            for match_id, patterns in self._patterns.items():
                on_match = self._callbacks[match_id]
                for pattern in patterns:
                    for found in pattern.finditer(text):
                        span = doc.char_span(found.start(), found.end(), alignment_mode="expand")
                        if span is None or not len(span):
                            continue
                        matches.append((match_id, span.start, span.end))
                        if on_match is not None:
                            on_match(self, doc, len(matches) - 1, matches)
            return matches

    matcher = getattr(getattr(context, "_ConText__matcher", None), "_MedspacyMatcher__regex_matcher", None)
    if type(matcher) is RegexMatcher:  # only the exact class this was written against
        matcher.__class__ = SinglePassRegexMatcher
