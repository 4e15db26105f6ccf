"""Loading and validating the extraction vocabulary in ``rules/extraction/``.

- ``context.yaml``: ConText modifiers -> medspaCy ``ConTextRule`` objects
- ``sections.yaml``: section titles -> ``SectionDetector``
- ``abbreviations.yaml``: abbreviations the rules read written out -> ``nlp.views.Normalizer``
- ``targets/*.yaml``: target rules per finding key, validated with pydantic
  (``extra="forbid"``); an error names the file, the rule id, the bad value and what is
  allowed (``RulesError`` E110-E119).

A target file maps finding keys to a block (plus optional ``macros:`` -- regex fragments
used in patterns as ``{{NAME}}`` -- and ``concepts:`` -- named regexes used by ``near`` /
``not_near`` within a ``window`` of sentence, neighbors, item (the list item or paragraph), section or note)::

    dementia:
      trigger: [dementia, alzheim, neurocognitive]   # word stems that make a sentence a candidate
      rules:
        - id: dementia.dx
          pattern: '\\b(?:dementia|alzheimer\\W?s)\\b'   # Python regex, case-insensitive by default
          value: true                                   # the value an affirmed mention gives
          negated: false                                # value when negated (default: not value)
          examples: ["diagnosed with dementia"]         # must produce a mention (tested)

A rule may give ``compose:`` instead of ``pattern:``: forms, each a sequence of lexicon
names (``lexicons:`` in a target file: lists of words and phrases, a trailing ``*`` for any
ending) read in order, at most four words apart within one clause. A finding is then
concept x predicate, and a new synonym is one entry of a lexicon::

    - id: no_surgery.composed
      compose:
        - [no_more, surgery_option, indicated]   # "no further surgery warranted"
        - [surgery_option, not_indicated]        # "revision would not help"

A key block's ``scope:`` names what every rule of the key needs around it, whatever the
rule's own conditions: ``scope: {near: [neuraxial_trial], window: note}`` makes every trial
finding need an intrathecal or epidural trial in the note, so "tolerated the procedure well"
after an unrelated operation, or the relief of a sacral-nerve stimulator trial, is no trial
result.

State overrides (``negated``, ``hypothetical``, ``future``, ``resolved``, ``historical``,
``uncertain``, ``family``) take a value, ``null`` (ignore the mention) or ``keep`` (same as
the affirmed value). Defaults: family/hypothetical/future/uncertain -> ignore; negated ->
``not value`` for booleans else ignore; resolved -> ``false`` for a ``true`` boolean else
ignore; historical -> keep. A key block's ``defaults:`` (``{resolved: keep}``) replaces
these for every rule of the key that does not set the state itself: a past action or a
judgment ("tried", "failed", "not a surgical candidate") is not undone by a cue that says
something is over ("stopped", "removed"), the way a condition is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import RulesError
from ..paths import rules_dir
from ..vocabulary import vocabulary
from .literals import first_char_guard, required_literals
from .series import SeriesRule, SeriesSpec, quantity_pattern
from .values import PARSERS
from .views import Abbreviation

UNSET = "default"
STATES = ("negated", "hypothetical", "future", "resolved", "historical", "uncertain", "family")
CONTEXT_CATEGORIES = (
    "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "RESOLVED", "HYPOTHETICAL",
    "FUTURE", "FAMILY", "PSEUDO", "TERMINATE",
)
WINDOWS = ("sentence", "neighbors", "item", "section", "note")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetRuleSpec(_Strict):
    id: str = Field(min_length=1)
    pattern: str | None = Field(default=None, min_length=1)
    # instead of a pattern: forms, each a sequence of lexicon names read in order within a clause
    compose: list[list[str]] | None = None
    case_sensitive: bool = False
    group: int | str | None = None
    value: Any = True
    parser: str | None = None
    at_most: float | None = None  # bool key + parser: a mention (true) only when parsed <= at_most
    # number key: the parsed number is only a lower bound of the finding (one therapy's course is
    # at least that much conservative care) unless the matched text holds one of these concepts;
    # a lower bound is kept only where it decides every payer threshold on the key
    lower_bound_unless: list[str] | None = None
    negated: Any = UNSET
    hypothetical: Any = UNSET
    future: Any = UNSET
    resolved: Any = UNSET
    historical: Any = UNSET
    uncertain: Any = UNSET
    family: Any = UNSET
    near: list[str] = []
    # note kinds (note_kinds.yaml) whose notes stand for the `near` concepts
    or_note_kind: list[str] = []
    not_near: list[str] = []
    window: Literal["sentence", "neighbors", "item", "section", "note"] = "sentence"
    not_near_window: Literal["sentence", "neighbors", "item", "section", "note"] | None = None
    not_before: str | None = None
    not_after: str | None = None
    sections: list[str] | None = None  # section categories; "none" = text before any title
    not_sections: list[str] | None = None
    examples: list[str] = []
    counter_examples: list[str] = []
    note: str | None = None


class ScopeSpec(_Strict):
    near: list[str] = Field(min_length=1)  # concepts that must all be in the window
    window: Literal["sentence", "neighbors", "item", "section", "note"] = "note"


class KeyBlockSpec(_Strict):
    trigger: list[str] = Field(min_length=1)
    # what every rule of the key needs around it (a concept in a window), on top of its own conditions
    scope: ScopeSpec | None = None
    # state overrides for every rule of the key that does not set its own
    defaults: dict[Literal[STATES], Any] = {}  # type: ignore[valid-type]
    rules: list[TargetRuleSpec] = Field(min_length=1)

    @field_validator("trigger")
    @classmethod
    def _stems(cls, stems: list[str]) -> list[str]:
        for stem in stems:
            if not re.fullmatch(r"[a-z0-9%/&' .+-]+", stem):
                raise ValueError(f"trigger stem {stem!r} must be lower-case literal text")
        return stems


class AbbreviationSpec(_Strict):
    short: str = Field(min_length=1)
    long: str
    exact_case: bool = False
    before: str | None = None
    after: str | None = None


class ContextRuleSpec(_Strict):
    literal: str = Field(min_length=1)
    category: Literal[CONTEXT_CATEGORIES]  # type: ignore[valid-type]
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
    regex: str | None = None
    max_scope: int | None = Field(default=None, gt=0)


@dataclass(frozen=True)
class TargetRule:
    """A compiled target rule (see module docstring)."""

    id: str
    key: str
    regex: re.Pattern
    group: int | str | None
    value: Any
    parser: str | None
    states: dict[str, Any]
    at_most: float | None
    lower_bound_unless: re.Pattern | None
    near: tuple[str, ...]
    not_near: tuple[str, ...]
    window: str
    not_near_window: str
    not_before: re.Pattern | None
    not_after: re.Pattern | None
    sections: frozenset[str] | None
    not_sections: frozenset[str] | None
    source: str
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    # note kinds whose notes stand for ``near`` (note_kinds.yaml)
    or_note_kind: frozenset[str] = frozenset()
    # the key block's scope: concepts that must all be in ``scope_window``
    scope: tuple[str, ...] = ()
    scope_window: str = "note"
    # "any of" sets of lower-case literals every match contains (nlp.literals): a sentence
    # without them is skipped before the regex runs
    required: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class ExtractionRules:
    targets: tuple[TargetRule, ...]
    triggers: dict[str, frozenset[str]]  # stem -> keys
    concepts: dict[str, re.Pattern]
    context: tuple[ContextRuleSpec, ...]
    sections: dict[str, list[str]]
    resolution: dict[str, dict[str, str]]
    # note_kinds.yaml: kind -> title pattern matched in the note's head, and the head's length
    note_kinds: dict[str, re.Pattern] = field(default_factory=dict)
    note_head_lines: int = 8
    # sections.yaml assertions: section category -> the flag every mention in it carries
    # ("family_history": family, "consent": hypothetical, a list of what could happen)
    section_flags: dict[str, str] = field(default_factory=dict)
    # context.yaml field_labels: keys a "Label: value" label names without stating them, and
    # the values that do state them
    field_label_keys: frozenset[str] = frozenset()
    field_label_affirmative: re.Pattern | None = None
    # context.yaml worksheet_status: keys whose criterion is their absence ("Active infection   Met")
    absent_when_met: frozenset[str] = frozenset()
    abbreviations: tuple[Abbreviation, ...] = ()
    # context.yaml request_lists: a header line asking for records; its list items are requests
    request_header: re.Pattern | None = None
    # context.yaml retractions: a sentence that retracts the sentence before it
    retraction: re.Pattern | None = None
    # context.yaml attributed_quotes: what before a quote mark makes the quote someone's words
    quote_attribution: re.Pattern | None = None
    # context.yaml dated_blocks: the header of a block copied from an older dated document
    dated_block_header: re.Pattern | None = None
    # derivations.yaml series: values derived from several quantities of a note (nlp.series)
    series: tuple[SeriesRule, ...] = ()

    def rules_for(self, key: str) -> tuple[TargetRule, ...]:
        return tuple(r for r in self.targets if r.key == key)


def _err(source: str, node: str, message: str) -> RulesError:
    return RulesError(f"{source}: {node}: {message}")


def _compile(pattern: str, source: str, node: str, flags: int = 0) -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise _err(source, node, f"invalid regular expression ({exc})") from None


KEEP = "keep"
# the assertion flags a whole section can set on its mentions (sections.yaml assertions)
SECTION_FLAGS = ("family", "hypothetical", "historical", "uncertain")


def _state_value(raw: Any, state: str, value: Any, key_type: str) -> Any:
    """The value a mention in ``state`` asserts: a value, None (ignore it) or KEEP."""
    if raw != UNSET:
        return raw
    if state == "negated":
        return (not value) if isinstance(value, bool) else None
    if state == "resolved":
        return False if value is True else None
    if state == "historical":
        return KEEP
    return None


def _check_value(value: Any, key: str, source: str, node: str, field: str) -> None:
    spec = vocabulary()[key]
    if value is None:
        return
    if spec.type == "bool" and not isinstance(value, bool):
        raise _err(source, node, f"{field} {value!r} is not allowed for bool key {key}; use true, false, null or keep")
    if spec.type == "enum" and value not in spec.values:
        raise _err(source, node, f"{field} {value!r} is not allowed for {key}; allowed: {list(spec.values)}")
    if spec.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _err(source, node, f"{field} {value!r} is not allowed for number key {key}; use a parser")


_MACRO = re.compile(r"\{\{([A-Z_]+)\}\}")


def _expand(pattern: str, macros: dict[str, str], source: str, node: str) -> str:
    def sub(m: re.Match) -> str:
        if m.group(1) not in macros:
            raise _err(source, node, f"unknown macro {{{{{m.group(1)}}}}}; allowed: {sorted(macros)}")
        return f"(?:{macros[m.group(1)]})"

    return _MACRO.sub(sub, pattern)


def _build_target(
    spec: TargetRuleSpec, key: str, source: str, concepts: dict, section_names: set, macros: dict[str, str],
    defaults: dict[str, Any] | None = None, scope: ScopeSpec | None = None,
    lexicons: dict[str, list[str]] | None = None, note_kinds: dict[str, re.Pattern] | None = None,
) -> TargetRule:
    node = f"{key}.rules[{spec.id}]"
    key_type = vocabulary()[key].type
    if key_type == "number":
        if spec.parser is None:
            raise _err(source, node, f"number key {key} needs a parser; allowed: {sorted(PARSERS)}")
        value = None
    else:
        value = spec.value
        _check_value(value, key, source, node, "value")
    if spec.parser is not None and spec.parser not in PARSERS:
        raise _err(source, node, f"unknown parser {spec.parser!r}; allowed: {sorted(PARSERS)}")
    if spec.at_most is not None and (key_type != "bool" or spec.parser is None):
        raise _err(source, node, "at_most needs a bool key and a parser (true when the parsed number <= at_most)")
    if spec.lower_bound_unless is not None and (key_type != "number" or spec.parser is None):
        raise _err(source, node, "lower_bound_unless needs a number key and a parser")
    for name in (*spec.near, *spec.not_near, *(spec.lower_bound_unless or ())):
        if name not in concepts:
            raise _err(source, node, f"unknown concept {name!r}; allowed: {sorted(concepts)}")
    for name in spec.or_note_kind:
        if name not in (note_kinds or {}):
            raise _err(source, node, f"unknown note kind {name!r}; allowed: {sorted(note_kinds or {})}")
    if spec.or_note_kind and not spec.near:
        raise _err(source, node, "or_note_kind stands for the near concepts: give near too")
    for name in scope.near if scope else ():
        if name not in concepts:
            raise _err(source, f"{key}.scope", f"unknown concept {name!r}; allowed: {sorted(concepts)}")
    for name in (*(spec.sections or ()), *(spec.not_sections or ())):
        if name not in section_names:
            raise _err(source, node, f"unknown section {name!r}; allowed: {sorted(section_names)}")
    states = {}
    for state in STATES:
        raw = getattr(spec, state)
        if raw == UNSET and defaults and state in defaults:
            raw = defaults[state]
        states[state] = _state_value(raw, state, value, key_type)
        if key_type != "number" and raw not in (UNSET, "keep"):
            _check_value(raw, key, source, node, state)
    if (spec.pattern is None) == (spec.compose is None):
        raise _err(source, node, "give either a pattern or compose (lexicon names), not both and not neither")
    pattern = _expand(spec.pattern, macros, source, node) if spec.pattern else _composed(spec.compose, lexicons, source, node)
    flags = 0 if spec.case_sensitive else re.IGNORECASE
    regex = first_char_guard(_compile(pattern, source, node, flags))
    if isinstance(spec.group, str) and spec.group not in regex.groupindex:
        raise _err(source, node, f"group {spec.group!r} is not a named group of the pattern")
    if isinstance(spec.group, int) and spec.group > regex.groups:
        raise _err(source, node, f"group {spec.group} exceeds the pattern's {regex.groups} groups")
    return TargetRule(
        id=spec.id,
        key=key,
        regex=regex,
        group=spec.group,
        value=value,
        parser=spec.parser,
        states=states,
        at_most=spec.at_most,
        lower_bound_unless=_compile("|".join(f"(?:{concepts[c].pattern})" for c in spec.lower_bound_unless), source, node,
                                    re.IGNORECASE) if spec.lower_bound_unless is not None else None,
        near=tuple(spec.near),
        or_note_kind=frozenset(spec.or_note_kind),
        not_near=tuple(spec.not_near),
        window=spec.window,
        not_near_window=spec.not_near_window or spec.window,
        not_before=_compile(spec.not_before, source, node, re.IGNORECASE) if spec.not_before else None,
        not_after=_compile(spec.not_after, source, node, re.IGNORECASE) if spec.not_after else None,
        sections=frozenset(spec.sections) if spec.sections is not None else None,
        not_sections=frozenset(spec.not_sections) if spec.not_sections is not None else None,
        source=source,
        examples=tuple(spec.examples),
        counter_examples=tuple(spec.counter_examples),
        required=required_literals(regex),
        scope=tuple(scope.near) if scope else (),
        scope_window=scope.window if scope else "note",
    )


# between two parts of a composed form: at most four words, within one clause (no . ; , or line break),
# none of them a negation ("clearance was never withdrawn" is not a withdrawal)
# (separators and words share no character: no backtracking blow-up)
_CLAUSE_GAP = r"(?:[^\w.;,\n'/-]+(?!(?:not|never|no|cannot)(?![\w'/-])|[\w'/-]*n't(?![\w'/-]))[\w'/-]+){0,4}?[^\w.;,\n'/-]+"


def _phrase(term: str) -> str:
    """A lexicon term as a regex: literal words, any run of whitespace between them, a
    trailing ``*`` for any ending ("surgical*"), a leading one for any beginning of a
    one-word term ("*itis": pancreatitis, arachnoiditis)."""
    stem = term[:-1] if term.endswith("*") else term
    lead = stem.startswith("*")
    stem = stem.lstrip("*")
    body = r"\s+".join(re.escape(word) for word in stem.split())
    return (r"\w*" if lead else "") + body + (r"\w*" if term.endswith("*") else "")


# "...": between two parts of a composed form, anything within the sentence (no . ; or line
# break), up to 160 characters: a list of therapies, then what became of them
_SENTENCE_GAP = r"[^.;\n]{0,160}?"
SENTENCE_GAP = "..."


def _composed(forms: list[list[str]], lexicons: dict[str, list[str]] | None, source: str, node: str) -> str:
    """The regex of a composed rule: per form, its lexicons' terms in order, each part a
    whole word or phrase, at most four words apart within one clause (``_CLAUSE_GAP``), or
    anywhere later in the sentence where the form writes ``...`` between two parts. A part
    may name several lexicons, ``a|b``: a term of any of them."""
    lexicons = lexicons or {}
    alternatives = []
    for f, form in enumerate(forms):
        where = f"{node}.compose[{f}]"
        names = [n for n in form if n != SENTENCE_GAP]
        if not names:
            raise _err(source, where, "a form needs at least one lexicon name")
        if form[0] == SENTENCE_GAP or form[-1] == SENTENCE_GAP or any(
                a == b == SENTENCE_GAP for a, b in zip(form, form[1:])):
            raise _err(source, where, "'...' goes between two lexicon names")
        regex = ""
        gap = None
        for name in form:
            if name == SENTENCE_GAP:
                gap = _SENTENCE_GAP
                continue
            part = "(?<!\\w)(?:" + "|".join(_lexicon_regex(n, lexicons, source, where) for n in name.split("|")) + ")(?!\\w)"
            regex += ("" if not regex else (gap or _CLAUSE_GAP)) + part
            gap = None
        alternatives.append(regex)
    return "|".join(f"(?:{a})" for a in alternatives)


def _form_triggers(form: list[str], lexicons: dict[str, list[str]]) -> list[str]:
    """Trigger stems of a composed form: every match holds one term of each part, so the
    terms of one part are sound triggers (phrases match across any whitespace). The part
    chosen is the most selective (its shortest term is the longest), never one with terms
    of any beginning ("*itis")."""
    best: list[str] = []
    best_score = -1
    for name in form:
        terms = [t for n in name.split("|") for t in lexicons.get(n, ())] if name != SENTENCE_GAP else ()
        if not terms or any(t.startswith("*") for t in terms):
            continue
        stems = [" ".join(t.rstrip("*").lower().split()) for t in terms]
        score = min(len(t) for t in stems)
        if score > best_score:
            best, best_score = stems, score
    return sorted(set(best))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path.name}: cannot read ({type(exc).__name__}: {exc})") from None


def load_extraction_rules(root: Path | None = None) -> ExtractionRules:
    """Read and validate every extraction rule file under ``root`` (default: the package's)."""
    root = Path(root) if root is not None else rules_dir() / "extraction"
    sections_raw = _read_yaml(root / "sections.yaml") or {}
    sections = sections_raw.get("sections") if isinstance(sections_raw, dict) else None
    if not isinstance(sections, dict):
        raise RulesError("sections.yaml: top-level 'sections' mapping is required")
    section_names = set(sections) | {"family_history", "none"}  # "none": before any section title
    kinds_raw = _read_yaml(root / "note_kinds.yaml") if (root / "note_kinds.yaml").exists() else {}
    if not isinstance(kinds_raw, dict) or set(kinds_raw) - {"head_lines", "kinds"}:
        raise RulesError("note_kinds.yaml: a mapping with 'head_lines' and 'kinds' is required")
    note_kinds = {name: _compile(pattern, "note_kinds.yaml", f"kinds.{name}", re.IGNORECASE)
                  for name, pattern in (kinds_raw.get("kinds") or {}).items()}
    note_head_lines = kinds_raw.get("head_lines", 8)
    if not isinstance(note_head_lines, int) or note_head_lines < 1:
        raise RulesError("note_kinds.yaml: head_lines must be a positive integer")
    section_flags = sections_raw.get("assertions") or {}
    if not isinstance(section_flags, dict):
        raise RulesError("sections.yaml: 'assertions' must map section category -> flag")
    for name, flag in section_flags.items():
        if name not in section_names:
            raise RulesError(f"sections.yaml: assertions[{name}]: unknown section; allowed: {sorted(section_names)}")
        if flag not in SECTION_FLAGS:
            raise RulesError(f"sections.yaml: assertions[{name}]: unknown flag {flag!r}; allowed: {list(SECTION_FLAGS)}")

    context_raw = _read_yaml(root / "context.yaml") or {}
    context_rules = []
    literals: set[str] = set()
    for i, raw in enumerate(context_raw.get("rules") or []):
        try:
            rule = ContextRuleSpec(**raw)
        except (ValidationError, TypeError) as exc:
            raise RulesError(f"context.yaml: rules[{i}]: {_first_error(exc)}") from None
        # medspaCy keys its rules by literal: a repeated literal would silently replace one
        if rule.literal.lower() in literals:
            raise RulesError(f"context.yaml: rules[{i}]: duplicate literal {rule.literal!r}; literals must be unique")
        literals.add(rule.literal.lower())
        if rule.regex:
            _compile(rule.regex, "context.yaml", f"rules[{i}] {rule.literal!r}")
        context_rules.append(rule)

    labels_raw = context_raw.get("field_labels") or {}
    if not isinstance(labels_raw, dict) or set(labels_raw) - {"keys", "affirmative"}:
        raise RulesError("context.yaml: field_labels: a mapping with 'keys' and 'affirmative' is required")
    field_label_keys = frozenset(labels_raw.get("keys") or ())
    for key in sorted(field_label_keys):
        if key not in vocabulary():
            raise RulesError(f"context.yaml: field_labels.keys: unknown finding key {key!r}")
    affirmative = labels_raw.get("affirmative")
    field_label_affirmative = (
        _compile(affirmative, "context.yaml", "field_labels.affirmative", re.IGNORECASE) if affirmative else None
    )

    worksheet_raw = context_raw.get("worksheet_status") or {}
    if not isinstance(worksheet_raw, dict) or set(worksheet_raw) - {"absent_when_met"}:
        raise RulesError("context.yaml: worksheet_status: a mapping with 'absent_when_met' is required")
    absent_when_met = frozenset(worksheet_raw.get("absent_when_met") or ())
    for key in sorted(absent_when_met):
        if key not in vocabulary() or vocabulary()[key].type != "bool":
            raise RulesError(f"context.yaml: worksheet_status.absent_when_met: {key!r} is not a bool finding key")

    requests_raw = context_raw.get("request_lists") or {}
    if not isinstance(requests_raw, dict) or set(requests_raw) - {"header"}:
        raise RulesError("context.yaml: request_lists: a mapping with 'header' is required")
    request_header = (_compile(requests_raw["header"], "context.yaml", "request_lists.header", re.IGNORECASE)
                      if requests_raw.get("header") else None)

    retractions_raw = context_raw.get("retractions") or {}
    if not isinstance(retractions_raw, dict) or set(retractions_raw) - {"pattern"}:
        raise RulesError("context.yaml: retractions: a mapping with 'pattern' is required")
    retraction = (_compile(retractions_raw["pattern"], "context.yaml", "retractions.pattern", re.IGNORECASE)
                  if retractions_raw.get("pattern") else None)

    attributed_raw = context_raw.get("attributed_quotes") or {}
    if not isinstance(attributed_raw, dict) or set(attributed_raw) - {"before"}:
        raise RulesError("context.yaml: attributed_quotes: a mapping with 'before' is required")
    quote_attribution = (_compile(attributed_raw["before"], "context.yaml", "attributed_quotes.before", re.IGNORECASE)
                         if attributed_raw.get("before") else None)

    blocks_raw = context_raw.get("dated_blocks") or {}
    if not isinstance(blocks_raw, dict) or set(blocks_raw) - {"header"}:
        raise RulesError("context.yaml: dated_blocks: a mapping with 'header' is required")
    dated_block_header = (_compile(blocks_raw["header"], "context.yaml", "dated_blocks.header", re.IGNORECASE | re.MULTILINE)
                          if blocks_raw.get("header") else None)

    abbreviations = _load_abbreviations(root / "abbreviations.yaml")

    resolution_raw = _read_yaml(root / "resolution.yaml") or {}
    resolution = resolution_raw.get("keys") or {}
    for key in resolution:
        if key not in vocabulary():
            raise RulesError(f"resolution.yaml: keys.{key}: unknown finding key")

    concepts: dict[str, re.Pattern] = {}
    macros: dict[str, str] = {}
    lexicons: dict[str, list[str]] = {}
    targets: list[TargetRule] = []
    triggers: dict[str, set[str]] = {}
    seen_ids: dict[str, str] = {}
    target_files = sorted((root / "targets").glob("*.yaml"))
    if not target_files:
        raise RulesError(f"{root / 'targets'}: no target rule files")
    blocks: list[tuple[str, str, dict]] = []
    for path in target_files:
        data = _read_yaml(path) or {}
        if not isinstance(data, dict):
            raise RulesError(f"{path.name}: top level must be a mapping of finding key -> block")
        for name, pattern in (data.pop("macros", None) or {}).items():
            if name in macros:
                raise _err(path.name, f"macros.{name}", "defined twice")
            macros[name] = _expand(pattern, macros, path.name, f"macros.{name}")  # may use one defined before it
            _compile(macros[name], path.name, f"macros.{name}")
        for name, terms in (data.pop("lexicons", None) or {}).items():
            if name in lexicons:
                raise _err(path.name, f"lexicons.{name}", "defined twice")
            if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
                raise _err(path.name, f"lexicons.{name}", "a lexicon is a non-empty list of words or phrases")
            for t in terms:
                if t.startswith("*") and (" " in t.strip() or len(t.strip("*")) < 3):
                    raise _err(path.name, f"lexicons.{name}", f"{t!r}: a leading * needs one word of 3 letters or more")
            lexicons[name] = terms
        for name, pattern in (data.pop("concepts", None) or {}).items():
            if name in concepts:
                raise _err(path.name, f"concepts.{name}", "defined twice")
            concepts[name] = pattern
        for key, block in data.items():
            blocks.append((path.name, key, block))
    concepts = {
        name: first_char_guard(_compile(_expand(p, macros, "concepts", name), "concepts", name, re.IGNORECASE))
        for name, p in concepts.items()
    }
    for source, key, block in blocks:
        if key not in vocabulary():
            raise _err(source, key, f"unknown finding key; allowed: keys of findings.yaml")
        try:
            spec = KeyBlockSpec(**(block or {}))
        except (ValidationError, TypeError) as exc:
            raise _err(source, key, _first_error(exc)) from None
        for stem in spec.trigger:
            triggers.setdefault(stem, set()).add(key)
        for rule_spec in spec.rules:
            for form in rule_spec.compose or ():
                for stem in _form_triggers(form, lexicons or {}):
                    triggers.setdefault(stem, set()).add(key)
            if rule_spec.id in seen_ids:
                raise _err(source, f"{key}.rules[{rule_spec.id}]", f"duplicate rule id (also in {seen_ids[rule_spec.id]})")
            seen_ids[rule_spec.id] = source
            targets.append(_build_target(rule_spec, key, source, concepts, section_names, macros, spec.defaults,
                                         spec.scope, lexicons, note_kinds))
    series = _load_series(root / "derivations.yaml", lexicons)
    return ExtractionRules(
        targets=tuple(targets),
        triggers={stem: frozenset(keys) for stem, keys in triggers.items()},
        concepts=concepts,
        context=tuple(context_rules),
        sections=sections,
        resolution=resolution,
        section_flags=dict(section_flags),
        note_kinds=note_kinds,
        note_head_lines=note_head_lines,
        field_label_keys=field_label_keys,
        field_label_affirmative=field_label_affirmative,
        absent_when_met=absent_when_met,
        abbreviations=abbreviations,
        request_header=request_header,
        retraction=retraction,
        quote_attribution=quote_attribution,
        dated_block_header=dated_block_header,
        series=series,
    )


def series_target(rule: SeriesRule) -> TargetRule:
    """The target rule a series' mentions carry: its id and key, a number key's states (a
    negated, hypothetical, planned, uncertain or relative's mention asserts nothing)."""
    states = {state: _state_value(UNSET, state, None, "number") for state in STATES}
    return TargetRule(id=rule.id, key=rule.key, regex=rule.quantity, group=None, value=None, parser=None,
                      states=states, at_most=None, lower_bound_unless=None, near=(), not_near=(), window="sentence",
                      not_near_window="sentence", not_before=None, not_after=None, sections=None, not_sections=None,
                      source=rule.source)


def _lexicon_regex(name: str, lexicons: dict[str, list[str]], source: str, node: str) -> str:
    if name not in lexicons:
        raise _err(source, node, f"unknown lexicon {name!r}; allowed: {sorted(lexicons)}")
    terms = sorted(lexicons[name], key=len, reverse=True)  # longest first
    # the terms of any beginning share one scan of the word ("\w*(?:itis|opathy)", not one per term)
    endings = [re.escape(t.strip("*")) for t in terms if t.startswith("*") and not t.endswith("*")]
    rest = [_phrase(t) for t in terms if not (t.startswith("*") and not t.endswith("*"))]
    return "|".join(rest + ([r"\w*(?:" + "|".join(endings) + r")"] if endings else []))


def _words_of(names: list[str], lexicons: dict[str, list[str]], source: str, node: str) -> re.Pattern | None:
    """The terms of the named lexicons as one case-insensitive whole-word regex (None for no names)."""
    if not names:
        return None
    body = "|".join(_lexicon_regex(name, lexicons, source, node) for name in names)
    return _compile(rf"(?<!\w)(?:{body})(?!\w)", source, node, re.IGNORECASE)


def _load_series(path: Path, lexicons: dict[str, list[str]]) -> tuple[SeriesRule, ...]:
    """``derivations.yaml`` (optional) ``series:``: see ``nlp.series``. Lexicon names refer to
    the ``lexicons:`` of the target files."""
    if not path.exists():
        return ()
    source = path.name
    raw = _read_yaml(path) or {}
    if not isinstance(raw, dict) or set(raw) - {"series"}:
        raise RulesError(f"{source}: top level must be a mapping with 'series'")
    out, seen = [], set()
    for i, item in enumerate(raw.get("series") or []):
        node = f"series[{i}]"
        try:
            spec = SeriesSpec(**item) if isinstance(item, dict) else SeriesSpec.model_validate(item)
        except (ValidationError, TypeError) as exc:
            raise _err(source, node, _first_error(exc)) from None
        node = f"series[{spec.id}]"
        if spec.id in seen:
            raise _err(source, node, "duplicate series id")
        seen.add(spec.id)
        if spec.key not in vocabulary() or vocabulary()[spec.key].type != "number":
            raise _err(source, node, f"key {spec.key!r} must be a number key of findings.yaml")
        units = _lexicon_regex(spec.quantity, lexicons, source, f"{node}.quantity")
        out.append(SeriesRule(
            id=spec.id, key=spec.key,
            anchor=_words_of([spec.anchor], lexicons, source, f"{node}.anchor"),
            quantity=_compile(quantity_pattern(units), source, f"{node}.quantity", re.IGNORECASE),
            unit=first_char_guard(_words_of([spec.quantity], lexicons, source, f"{node}.quantity")),
            unit_literals=required_literals(_compile(rf"(?:{units})", source, f"{node}.quantity", re.IGNORECASE)),
            veto=_words_of(spec.veto, lexicons, source, f"{node}.veto"),
            not_after=_words_of(spec.not_after, lexicons, source, f"{node}.not_after"),
            anchor_not_near=_words_of(spec.anchor_not_near, lexicons, source, f"{node}.anchor_not_near"),
            before=spec.sentences_before, after=spec.sentences_after, derive=spec.derive, source=source,
            examples=tuple(spec.examples), counter_examples=tuple(spec.counter_examples),
        ))
    return tuple(out)


def _load_abbreviations(path: Path) -> tuple[Abbreviation, ...]:
    """``abbreviations.yaml`` (optional): its ``macros:`` are used in ``before`` as ``{{NAME}}``."""
    if not path.exists():
        return ()
    source = path.name
    raw = _read_yaml(path) or {}
    if not isinstance(raw, dict) or set(raw) - {"macros", "abbreviations"}:
        raise RulesError(f"{source}: top level must be a mapping with 'abbreviations' (and optional 'macros')")
    macros = raw.get("macros") or {}
    entries, seen = [], {}
    for i, item in enumerate(raw.get("abbreviations") or []):
        node = f"abbreviations[{i}]"
        try:
            spec = AbbreviationSpec(**item) if isinstance(item, dict) else AbbreviationSpec.model_validate(item)
        except (ValidationError, TypeError) as exc:
            raise _err(source, node, _first_error(exc)) from None
        node = f"{node} {spec.short!r}"
        key = (spec.short if spec.exact_case else spec.short.lower(), spec.before, spec.after)
        if key in seen:
            raise _err(source, node, f"listed twice (also {seen[key]})")
        seen[key] = node
        before = after = None
        if spec.before:
            before = _expand(spec.before, macros, source, node)
            _compile(before, source, node)
        if spec.after:
            after = _expand(spec.after, macros, source, node)
            _compile(after, source, node)
        entries.append(Abbreviation(spec.short, spec.long, spec.exact_case, before, after))
    return tuple(entries)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"{where}: {err.get('msg')} (got {err.get('input')!r})"
    return str(exc)


@lru_cache(maxsize=1)
def default_rules() -> ExtractionRules:
    return load_extraction_rules()


def medspacy_target_rules(rules: ExtractionRules | None = None) -> list:
    """The target rules as medspaCy ``TargetRule``s (literal = rule id, category = finding
    key, pattern = the rule's regex), for running them in a stock medspaCy pipeline, e.g.
    as the baseline of ``benchmarks/throughput.py``. Conditions (near / not_near, sections)
    and value parsers are the screener's own and are not carried over."""
    from .medspacy_imports import without_quickumls

    with without_quickumls():
        from medspacy.target_matcher import TargetRule

    rules = rules or default_rules()
    return [TargetRule(literal=r.id, category=r.key, pattern=r.regex.pattern) for r in rules.targets]
