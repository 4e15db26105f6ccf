"""Assertion benchmark on the NegEx/ConText annotated test set (Chapman et al.).

The set (``rsAnnotations-1-120-random.txt``, 2,376 sentences; public ``chapmanbe/negex``
repository; the project ships a copy in ``data/negex/``) is tab-separated: line, condition, sentence (the condition upper-cased in
it), negation (Negated / Affirmed / Possible), temporality (Recent / Historical /
"Not particular" = hypothetical), experiencer (Patient / Other / Family member).

For each sentence the condition span is located (case-insensitive, whitespace-tolerant)
and the system under test is asked for its verdict through the ``assertion`` interface
``fn(text, [(start, end)]) -> [{"negated", "historical", "hypothetical", "family", ...}]``.
``screener.assertion`` (medspaCy ConText) and negspacy's NegEx (``negspacy_assertion``,
negation only) are scored in the same run; GenNegEx 1.2's published negation figures
(P 0.933, R 0.959, F 0.946) are the reference.

Scored dimensions (positive class in brackets): negation [Negated], historical
[Historical], hypothetical [Not particular], experiencer [not Patient].
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..paths import data_dir
from . import metrics

NEGEX_FILE = "rsAnnotations-1-120-random.txt"
PUBLISHED_BASELINE = {"system": "GenNegEx 1.2 (published)", "dimension": "negation",
                      "precision": 0.933, "recall": 0.959, "f1": 0.946}
NEGATION_F1_TARGET = 0.95

AssertionFn = Callable[[str, Sequence[tuple[int, int]]], Sequence[Mapping[str, Any]]]

# dimension -> (gold column, gold positive label(s), predicted flag)
DIMENSIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "negation": ("negation", ("Negated",), "negated"),
    "historical": ("temporality", ("Historical",), "historical"),
    "hypothetical": ("temporality", ("Not particular",), "hypothetical"),
    "experiencer": ("experiencer", ("Other", "Family member"), "family"),
}


def default_negex_path() -> Path:
    """``$SCREENER_NEGEX``, else the copy the project ships: ``data/negex/<file>`` of a
    checkout, or ``screener/data/negex/<file>`` of an installed wheel (data/README.md says
    where it comes from)."""
    env = os.environ.get("SCREENER_NEGEX")
    if env:
        return Path(env)
    data = data_dir("data")
    if data is None:
        raise InputError("NegEx test set not found: neither screener/data nor <repo>/data (set $SCREENER_NEGEX)")
    return data / "negex" / NEGEX_FILE


def _locate(sentence: str, condition: str) -> tuple[int, int] | None:
    """Character span of ``condition`` in ``sentence``: case-insensitive, then with any
    run of whitespace/punctuation between its words."""
    cond = condition.strip()
    if not cond:
        return None
    i = sentence.lower().find(cond.lower())
    if i >= 0:
        return i, i + len(cond)
    words = re.findall(r"\w+", cond)
    if not words:
        return None
    pattern = r"\W+".join(re.escape(w) for w in words)
    m = re.search(pattern, sentence, flags=re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def load_negex(path: Path | str | None = None, limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(usable rows, skipped rows). Usable rows carry the located ``start``/``end``;
    skipped rows are those whose condition does not occur in the sentence."""
    path = Path(path) if path is not None else default_negex_path()
    try:
        raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the NegEx benchmark ({type(exc).__name__})") from None
    if raw.shape[1] < 6:
        raise InputError(f"{path}: expected 6 tab-separated columns, found {raw.shape[1]}")
    raw = raw.iloc[:, :6]
    raw.columns = ["line", "condition", "sentence", "negation", "temporality", "experiencer"]
    for col in ("negation", "temporality", "experiencer"):
        raw[col] = raw[col].str.strip()
    if limit is not None:
        raw = raw.head(limit)
    spans = [_locate(s, c) for s, c in zip(raw["sentence"], raw["condition"])]
    found = [s is not None for s in spans]
    usable = raw[found].copy()
    usable["start"] = [s[0] for s in spans if s is not None]
    usable["end"] = [s[1] for s in spans if s is not None]
    skipped = raw[[not f for f in found]].copy()
    skipped["reason"] = "condition not found in sentence"
    return usable.reset_index(drop=True), skipped.reset_index(drop=True)


@lru_cache(maxsize=1)
def _negspacy_nlp():
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("negex", config={"ent_types": ["CONDITION"]})
    return nlp


def negspacy_assertion(text: str, spans: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """negspacy 1.0.4 NegEx (``en_clinical`` termset) on ``spacy.blank('en')`` + sentencizer,
    the spans set as ``doc.ents``. Negation only: the other flags are ``None``."""
    nlp = _negspacy_nlp()
    doc = nlp.make_doc(text)
    ents, index = [], []
    for i, (start, end) in enumerate(spans):
        span = doc.char_span(start, end, label="CONDITION", alignment_mode="expand")
        if span is not None:
            ents.append(span)
            index.append(i)
    doc.ents = spacy_filter(ents)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    by_start = {(e.start_char, e.end_char): bool(e._.negex) for e in doc.ents}
    out = []
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        negated = by_start.get((span.start_char, span.end_char), False) if span is not None else False
        out.append({"start": start, "end": end, "negated": negated, "historical": None,
                    "hypothetical": None, "family": None, "uncertain": None})
    return out


def spacy_filter(spans):
    from spacy.util import filter_spans

    return filter_spans(spans)


def screener_assertion(text: str, spans: Sequence[tuple[int, int]]) -> Sequence[Mapping[str, Any]]:
    """``screener.assertion`` (imported on first use)."""
    from ..extraction import assertion

    return assertion(text, spans)


def run_system(rows: pd.DataFrame, fn: AssertionFn) -> pd.DataFrame:
    """The system's flags for every row: negated, historical, hypothetical, family, uncertain."""
    flags = []
    for sentence, start, end in zip(rows["sentence"], rows["start"], rows["end"]):
        result = list(fn(sentence, [(int(start), int(end))]) or [{}])[0]
        flags.append({k: result.get(k) for k in ("negated", "historical", "hypothetical", "family", "uncertain")})
    return pd.DataFrame(flags, index=rows.index)


def _as_bool(series: pd.Series) -> pd.Series:
    """None/NaN -> False, anything else -> its truth value."""
    return series.map(lambda v: False if v is None or v != v else bool(v)).astype(bool)


def _predicted_label(dimension: str, flags: pd.DataFrame) -> pd.Series:
    if dimension == "negation":
        return flags.apply(lambda r: "Negated" if r["negated"] else ("Possible" if r["uncertain"] else "Affirmed"), axis=1)
    if dimension in ("historical", "hypothetical"):
        return flags.apply(lambda r: "Not particular" if r["hypothetical"] else ("Historical" if r["historical"] else "Recent"), axis=1)
    return flags.apply(lambda r: "Other" if r["family"] else "Patient", axis=1)


@dataclass
class AssertionBenchmark:
    """Results of ``evaluate_assertion``.

    - ``scores``: system x dimension: n, tp/fp/fn/tn, P/R/F1 (plus the published row);
    - ``confusion``: (system, dimension) -> gold label x predicted label counts;
    - ``predictions``: the benchmark rows with each system's flags (``<system>_<flag>``);
    - ``skipped``: rows whose condition could not be located in the sentence.
    """

    scores: pd.DataFrame
    confusion: dict[tuple[str, str], pd.DataFrame]
    predictions: pd.DataFrame
    skipped: pd.DataFrame
    path: str = ""

    def f1(self, system: str, dimension: str = "negation") -> float:
        row = self.scores[(self.scores["system"] == system) & (self.scores["dimension"] == dimension)]
        return float(row["f1"].iloc[0]) if len(row) else float("nan")

    def errors(self, system: str, dimension: str = "negation") -> pd.DataFrame:
        """Rows the system gets wrong on one dimension (public benchmark text, not PHI)."""
        gold_col, positive, flag = DIMENSIONS[dimension]
        gold = self.predictions[gold_col].isin(positive)
        pred = _as_bool(self.predictions[f"{system}_{flag}"])
        cols = ["line", "condition", "sentence", gold_col, f"{system}_{flag}"]
        return self.predictions.loc[gold != pred, cols]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "n": len(self.predictions),
            "skipped": len(self.skipped),
            "scores": [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                       for r in self.scores.to_dict(orient="records")],
            "confusion": {f"{s}/{d}": {g: row.to_dict() for g, row in m.iterrows()}
                          for (s, d), m in self.confusion.items()},
        }


def default_systems() -> dict[str, AssertionFn]:
    return {"screener": screener_assertion, "negspacy": negspacy_assertion}


def evaluate_assertion(
    path: Path | str | None = None,
    *,
    systems: Mapping[str, AssertionFn] | None = None,
    limit: int | None = None,
    include_published: bool = True,
) -> AssertionBenchmark:
    """Run every system on the NegEx set and score the four dimensions.

    A system whose flag is ``None`` on every row (negspacy has no temporality or
    experiencer) is not scored on that dimension.
    """
    rows, skipped = load_negex(path, limit=limit)
    systems = dict(systems) if systems is not None else default_systems()
    predictions = rows.copy()
    score_rows: list[dict[str, Any]] = []
    confusion: dict[tuple[str, str], pd.DataFrame] = {}
    for name, fn in systems.items():
        flags = run_system(rows, fn)
        for col in flags.columns:
            predictions[f"{name}_{col}"] = flags[col]
        for dimension, (gold_col, positive, flag) in DIMENSIONS.items():
            if flags[flag].isna().all():
                continue
            gold = rows[gold_col].isin(positive)
            pred = _as_bool(flags[flag])
            s = metrics.binary_prf(gold, pred)
            score_rows.append({"system": name, "dimension": dimension, "positive": " / ".join(positive),
                               "n": len(rows), "support": int(gold.sum()), **s})
            label = _predicted_label(dimension, flags.apply(_as_bool))
            confusion[(name, dimension)] = pd.crosstab(
                rows[gold_col].rename(f"gold {gold_col}"), label.rename(f"{name} predicted"))
    if include_published:
        score_rows.append({**PUBLISHED_BASELINE, "positive": "Negated"})
    scores = pd.DataFrame(score_rows, columns=["system", "dimension", "positive", "n", "support", "tp", "fp",
                                               "fn", "tn", "precision", "recall", "f1"])
    return AssertionBenchmark(scores=scores, confusion=confusion, predictions=predictions, skipped=skipped,
                              path=str(path if path is not None else default_negex_path()))
