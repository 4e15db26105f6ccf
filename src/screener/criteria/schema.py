"""Payer rule files (``rules/payers/<payer>/<policy-id>.yaml``): schema, validation, loading.

A rule file is one version of one payer policy. It is validated on load with pydantic
(``extra="forbid"``) plus the checks pydantic cannot express (finding keys and value types
from ``findings.yaml``, operators from ``ops.OPS``, unique node ids, resolvable ``ref``s,
every indication x request type covered). Every error is a :class:`RuleFileError` naming
the file, the node id, the bad value and what is allowed. See ``docs/criteria.md``.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import RulesError
from ..model import INDICATIONS, REQUEST_TYPES
from ..paths import rules_dir
from ..vocabulary import CONTRAINDICATION_GROUP, vocabulary
from .ops import OPS

PAYERS = ("uhc", "lhcc", "cohere", "molina")
CASES_SUFFIX = ".cases.yaml"
ID_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"

# Error catalogue of the rule files (codes are stable; tests check codes, not wording).
E_FILE = "E101"  # unreadable file or YAML syntax
E_SCHEMA = "E102"  # unknown / missing / mistyped field
E_FINDING = "E103"  # finding key not in findings.yaml
E_OP = "E104"  # operator not in the registry
E_VALUE = "E105"  # value does not fit the finding's type or the operator
E_DUPLICATE = "E106"  # node id used twice in one file
E_SHAPE = "E107"  # not exactly one of all / any / not / leaf
E_REF = "E108"  # unknown or circular ref
E_COVERAGE = "E109"  # an indication x request type without a branch
E_ABSENCE = "E110"  # contraindication key not read as absence / assume_absent misused
E_VERSION = "E111"  # payer/folder/file name mismatch or overlapping effective dates
E_PAYER = "E112"  # unknown payer id asked for
E_CASE = "E113"  # golden case file invalid


class UnknownPayerError(RulesError):
    """A payer id that is not one of ``PAYERS`` was asked for."""

    code = E_PAYER


class RuleFileError(RulesError):
    """A rule (or golden case) file is invalid; ``code`` says how, the message says where."""

    def __init__(self, code: str, file: Path | str, node: str | None, message: str):
        self.code = code
        self.file = str(file)
        self.node = node
        where = f"{Path(file).name}" + (f": node {node}" if node else "")
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------- pydantic models


class _NodeSpec(BaseModel):
    """One criterion as written in YAML (children are validated one by one by ``_Builder``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1)
    cite: str = Field(min_length=1)
    label: str | None = None
    interpretation: str | None = None
    all: list[dict[str, Any]] | None = Field(default=None, min_length=1)
    any: list[dict[str, Any]] | None = Field(default=None, min_length=2)
    not_: dict[str, Any] | None = Field(default=None, alias="not")
    finding: str | None = None
    op: str | None = None
    value: Any = None
    assume_absent: bool | None = None
    evaluable: bool = True
    reason: str | None = None


class _RefSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str


class _OutcomeSpec(BaseModel):
    """A branch the policy delegates (``external_criteria``) or does not address."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    outcome: Literal["external_criteria", "not_addressed"]
    text: str = Field(min_length=1)
    cite: str = Field(min_length=1)
    refer_to: str | None = None


class _PolicySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payer: str
    policy_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    effective_from: _dt.date | None
    effective_to: _dt.date | None
    effective_note: str | None = None
    not_addressed: list[dict[str, Any]] = []
    definitions: dict[str, dict[str, Any]] = {}
    branches: dict[str, dict[str, dict[str, Any]]]


# --------------------------------------------------------------------------- built records


@dataclass(frozen=True, eq=False)
class Node:
    """A validated criterion. ``kind`` is ``all`` | ``any`` | ``not`` | ``leaf`` | ``unevaluable``."""

    id: str
    text: str
    cite: str
    kind: str
    children: tuple[Node, ...] = ()
    finding: str | None = None
    op: str | None = None
    value: Any = None
    assume_absent: bool = False
    label: str | None = None
    interpretation: str | None = None
    reason: str | None = None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Outcome:
    """A branch decided without a tree: ``external_criteria`` or ``not_addressed``."""

    id: str
    outcome: str
    text: str
    cite: str
    refer_to: str | None = None


@dataclass(frozen=True)
class Policy:
    """One version of one payer's policy, as loaded from its rule file."""

    payer: str
    policy_id: str
    name: str
    title: str
    source: str
    effective_from: _dt.date | None
    effective_to: _dt.date | None
    effective_note: str | None
    path: Path
    not_addressed: tuple[Node, ...]
    branches: dict[tuple[str, str], Node | Outcome] = field(hash=False)

    def in_force(self, day: _dt.date) -> bool:
        """``effective_from`` and ``effective_to`` are both inclusive; ``None`` is open."""
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )

    def nodes(self):
        """Every node of the file once (gates, then branch trees; shared subtrees once)."""
        seen: set[int] = set()
        roots = list(self.not_addressed) + [b for b in self.branches.values() if isinstance(b, Node)]
        for root in roots:
            for node in root.walk():
                if id(node) not in seen:
                    seen.add(id(node))
                    yield node


# --------------------------------------------------------------------------- validation


def _fits(kind: str, values: tuple[str, ...], value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "enum":
        return value in values
    return False


def check_leaf_value(path: Path | str, node_id: str, key: str, op_name: str | None, value: Any) -> None:
    """Raise unless ``key`` is a known finding, ``op_name`` a known operator fitting its type,
    and ``value`` fits both (shared by rule files and golden-case files)."""
    vocab = vocabulary()
    if key not in vocab:
        raise RuleFileError(E_FINDING, path, node_id, f"unknown finding {key!r}; allowed: keys of findings.yaml")
    spec = vocab[key]
    if op_name is None:  # a plain value in a golden case
        if value is not None and not _fits(spec.type, spec.values, value):
            raise RuleFileError(E_VALUE, path, node_id, f"{key}={value!r} does not fit type {_describe(spec)}")
        return
    op = OPS.get(op_name)
    if op is None:
        raise RuleFileError(E_OP, path, node_id, f"unknown op {op_name!r}; allowed: {', '.join(OPS)}")
    if spec.type not in op.types:
        raise RuleFileError(
            E_OP, path, node_id,
            f"op {op_name!r} does not apply to {key} ({spec.type}); allowed types: {', '.join(sorted(op.types))}",
        )
    if not op.takes_value:
        if value is not None:
            raise RuleFileError(E_VALUE, path, node_id, f"op {op_name!r} takes no value, got {value!r}")
        return
    items = value if op_name == "in" else [value]
    if op_name == "in" and (not isinstance(value, list) or not value):
        raise RuleFileError(E_VALUE, path, node_id, f"op 'in' needs a non-empty list, got {value!r}")
    for item in items:
        if not _fits(spec.type, spec.values, item):
            raise RuleFileError(
                E_VALUE, path, node_id, f"value {item!r} does not fit {key}: allowed {_describe(spec)}"
            )


def _describe(spec) -> str:
    if spec.type == "enum":
        return "one of " + ", ".join(spec.values)
    return {"bool": "true or false", "number": "a number"}.get(spec.type, spec.type)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(node)"
    bad = err.get("input")
    shown = repr(bad) if not isinstance(bad, dict) else "{...}"
    return f"field {loc!r}: {err['msg']} (got {shown})"


class _Builder:
    """Builds the nodes of one file, checking ids, refs, shapes and leaf values."""

    def __init__(self, path: Path, definitions: dict[str, dict[str, Any]]):
        self.path = path
        self.definitions = definitions
        self.built: dict[str, Node] = {}
        self.building: list[str] = []
        self.ids: set[str] = set()
        self.contraindications = {k for k, s in vocabulary().items() if s.group == CONTRAINDICATION_GROUP}

    def ref(self, name: str, where: str) -> Node:
        if name not in self.definitions:
            raise RuleFileError(
                E_REF, self.path, where, f"unknown ref {name!r}; allowed: {', '.join(self.definitions) or 'none'}"
            )
        if name in self.building:
            raise RuleFileError(E_REF, self.path, where, f"circular ref {' -> '.join(self.building + [name])}")
        if name not in self.built:
            self.building.append(name)
            self.built[name] = self.node(self.definitions[name], f"definitions.{name}")
            self.building.pop()
        return self.built[name]

    def node(self, raw: Any, where: str) -> Node:
        if not isinstance(raw, dict):
            raise RuleFileError(E_SCHEMA, self.path, where, f"a node must be a mapping, got {type(raw).__name__}")
        if "ref" in raw:
            try:
                spec = _RefSpec.model_validate(raw)
            except ValidationError as exc:
                raise RuleFileError(E_SCHEMA, self.path, where, "a ref node has only 'ref'; " + _first_error(exc)) from None
            return self.ref(spec.ref, where)
        node_id = raw.get("id") if isinstance(raw.get("id"), str) else where
        try:
            spec = _NodeSpec.model_validate(raw)
        except ValidationError as exc:
            raise RuleFileError(E_SCHEMA, self.path, node_id, _first_error(exc)) from None
        if spec.id in self.ids:
            raise RuleFileError(E_DUPLICATE, self.path, spec.id, "duplicate node id; ids must be unique in a file")
        self.ids.add(spec.id)

        shapes = [name for name, val in (("all", spec.all), ("any", spec.any), ("not", spec.not_),
                                           ("finding", spec.finding)) if val is not None]
        if not spec.evaluable:
            if shapes or spec.op is not None or spec.value is not None:
                raise RuleFileError(E_SHAPE, self.path, spec.id, "a node with evaluable: false has no all/any/not/finding")
            if not spec.reason:
                raise RuleFileError(E_SCHEMA, self.path, spec.id, "evaluable: false needs a 'reason'")
            return Node(spec.id, spec.text, spec.cite, "unevaluable", label=spec.label,
                        interpretation=spec.interpretation, reason=spec.reason)
        if spec.reason is not None:
            raise RuleFileError(E_SCHEMA, self.path, spec.id, "'reason' is only for evaluable: false nodes")
        if len(shapes) != 1:
            raise RuleFileError(
                E_SHAPE, self.path, spec.id,
                f"needs exactly one of all / any / not / finding, got {shapes or 'none'}",
            )
        kind = shapes[0]
        if kind != "finding":
            if spec.op is not None or spec.value is not None or spec.assume_absent is not None:
                raise RuleFileError(E_SHAPE, self.path, spec.id, f"op/value/assume_absent belong on leaves, not on '{kind}'")
            raws = [spec.not_] if kind == "not" else (spec.all if kind == "all" else spec.any)
            children = tuple(self.node(child, f"{spec.id}.{kind}[{i}]") for i, child in enumerate(raws))
            return Node(spec.id, spec.text, spec.cite, kind, children, label=spec.label,
                        interpretation=spec.interpretation)
        if spec.op is None:
            raise RuleFileError(E_SCHEMA, self.path, spec.id, f"leaf needs 'op'; allowed: {', '.join(OPS)}")
        check_leaf_value(self.path, spec.id, spec.finding, spec.op, spec.value)
        assume_absent = bool(spec.assume_absent)
        if spec.finding in self.contraindications:
            if spec.op != "is_false" or spec.assume_absent is False:
                raise RuleFileError(
                    E_ABSENCE, self.path, spec.id,
                    f"contraindication {spec.finding} must be read as absence (op: is_false, "
                    f"not documented = assumed absent), got op {spec.op!r}",
                )
            assume_absent = True
        elif assume_absent and spec.op != "is_false":
            raise RuleFileError(E_ABSENCE, self.path, spec.id, f"assume_absent needs op is_false, got {spec.op!r}")
        return Node(spec.id, spec.text, spec.cite, "leaf", finding=spec.finding, op=spec.op, value=spec.value,
                    assume_absent=assume_absent, label=spec.label, interpretation=spec.interpretation)


def load_policy(path: Path) -> Policy:
    """Read and validate one rule file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleFileError(E_FILE, path, None, f"cannot read as YAML ({type(exc).__name__})") from None
    if not isinstance(raw, dict):
        raise RuleFileError(E_SCHEMA, path, None, "a rule file is a mapping with payer, policy_id, branches...")
    try:
        spec = _PolicySpec.model_validate(raw)
    except ValidationError as exc:
        raise RuleFileError(E_SCHEMA, path, None, _first_error(exc)) from None
    if spec.payer not in PAYERS:
        raise RuleFileError(E_VERSION, path, None, f"payer {spec.payer!r}; allowed: {', '.join(PAYERS)}")
    if path.parent.name != spec.payer or path.name != f"{spec.policy_id}.yaml":
        raise RuleFileError(
            E_VERSION, path, None,
            f"file must be rules/payers/{spec.payer}/{spec.policy_id}.yaml (payer and policy_id of its header)",
        )
    if spec.effective_from and spec.effective_to and spec.effective_to < spec.effective_from:
        raise RuleFileError(E_VERSION, path, None, "effective_to is before effective_from")

    builder = _Builder(path, spec.definitions)
    gates = tuple(builder.node(g, f"not_addressed[{i}]") for i, g in enumerate(spec.not_addressed))
    branches: dict[tuple[str, str], Node | Outcome] = {}
    for indication, cells in spec.branches.items():
        if indication not in INDICATIONS:
            raise RuleFileError(E_COVERAGE, path, f"branches.{indication}",
                                f"unknown indication; allowed: {', '.join(INDICATIONS)}")
        for request_type, cell in cells.items():
            where = f"branches.{indication}.{request_type}"
            if request_type not in REQUEST_TYPES:
                raise RuleFileError(E_COVERAGE, path, where, f"unknown request type; allowed: {', '.join(REQUEST_TYPES)}")
            branches[(indication, request_type)] = _branch(builder, path, cell, where)
    gaps = [f"{i}/{r}" for i in INDICATIONS for r in REQUEST_TYPES if (i, r) not in branches]
    if gaps:
        raise RuleFileError(E_COVERAGE, path, "branches", f"no branch for {', '.join(gaps)}; every indication x request type needs a tree or an outcome")
    for name in spec.definitions:  # an unused definition is still validated
        builder.ref(name, f"definitions.{name}")
    return Policy(spec.payer, spec.policy_id, spec.name, spec.title, spec.source, spec.effective_from,
                  spec.effective_to, spec.effective_note, path, gates, branches)


def _branch(builder: _Builder, path: Path, cell: dict[str, Any], where: str) -> Node | Outcome:
    if "outcome" not in cell:
        return builder.node(cell, where)
    try:
        out = _OutcomeSpec.model_validate(cell)
    except ValidationError as exc:
        raise RuleFileError(E_SCHEMA, path, cell.get("id", where), _first_error(exc)) from None
    if out.id in builder.ids:
        raise RuleFileError(E_DUPLICATE, path, out.id, "duplicate node id; ids must be unique in a file")
    builder.ids.add(out.id)
    if out.outcome == "external_criteria" and not out.refer_to:
        raise RuleFileError(E_SCHEMA, path, out.id, "external_criteria needs 'refer_to' (the criteria set used)")
    return Outcome(out.id, out.outcome, out.text, out.cite, out.refer_to)


def policy_files(directory: Path | None = None) -> list[Path]:
    """Every rule file under ``<rules>/payers`` (golden ``*.cases.yaml`` excluded), sorted."""
    root = Path(directory) if directory else rules_dir() / "payers"
    return sorted(p for p in root.glob("*/*.yaml") if not p.name.endswith(CASES_SUFFIX))


def check_versions(policies: list[Policy]) -> None:
    """Raise when two versions of one payer are in force on the same day."""
    by_payer: dict[str, list[Policy]] = {}
    for pol in policies:
        by_payer.setdefault(pol.payer, []).append(pol)
    low, high = _dt.date.min, _dt.date.max
    for versions in by_payer.values():
        for i, a in enumerate(versions):
            for b in versions[i + 1:]:
                if (a.effective_from or low) <= (b.effective_to or high) and (b.effective_from or low) <= (a.effective_to or high):
                    raise RuleFileError(E_VERSION, b.path, None, f"effective dates overlap with {a.path.name}")


@lru_cache(maxsize=8)
def _load_all(directory: str) -> dict[str, tuple[Policy, ...]]:
    policies = [load_policy(p) for p in policy_files(Path(directory))]
    check_versions(policies)
    out: dict[str, tuple[Policy, ...]] = {}
    for payer in PAYERS:
        mine = [p for p in policies if p.payer == payer]
        out[payer] = tuple(sorted(mine, key=lambda p: p.effective_from or _dt.date.min))
    return out


def load_policies(directory: Path | None = None) -> dict[str, tuple[Policy, ...]]:
    """payer -> its policy versions (oldest first), validated; cached per folder."""
    if not directory:
        return _load_all(_packaged_payers())
    return _load_all(str(Path(directory).resolve()))


@lru_cache(maxsize=1)
def _packaged_payers() -> str:
    return str((rules_dir() / "payers").resolve())


def policy_for(payer: str, day: _dt.date, directory: Path | None = None) -> Policy | None:
    """The version of ``payer``'s policy in force on ``day`` (None when none is encoded)."""
    if payer not in PAYERS:
        raise UnknownPayerError(f"unknown payer {payer!r}; allowed: {', '.join(PAYERS)}")
    for pol in load_policies(directory)[payer]:
        if pol.in_force(day):
            return pol
    return None
