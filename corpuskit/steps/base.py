"""The step protocol: named, configurable, idempotent units that run on batches.

A pipeline is an ordered list of steps. A *record step* looks at one record at a
time (``apply``) and returns either the record (changed or not) or a
:class:`Drop`. Steps run on batches (``process_batch``) so the same pipeline can
run in worker processes or on a distributed engine; a step must be pure and
picklable, holding only its parameters and read-only lookup tables.

A *corpus step* (:class:`CorpusStep`, e.g. ``dedup``) decides about a record
from the whole corpus. It works in two halves: a pure ``signature(record)`` that
runs beside the record steps on the workers, and a :class:`Collector` (one per
run, from ``collector()``) that ``add`` s every signature in input order,
``resolve`` s once everything is in, and then ``apply`` s its decision to each
batch of the cleaned rows (:class:`RowBatch`, Arrow tables of published rows).

Every step counts what it saw, changed and dropped (by reason) in
:class:`StepStats`, and logs each change in the record's provenance
(``record["edits"]`` and ``record["steps"]``) under its stable ``name``.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from corpuskit.errors import ConfigError, describe_value
from corpuskit.records import STRING_FIELDS, Record, with_changes

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


@dataclass(frozen=True)
class Drop:
    """Returned by :meth:`RecordStep.apply` to remove a record, with the reason."""

    reason: str
    detail: str = ""


@dataclass
class StepStats:
    """What one step did over a run: ``in``, ``changed``, ``dropped`` by reason, time."""

    name: str
    records_in: int = 0
    changed: int = 0
    dropped: Counter = field(default_factory=Counter)
    counters: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def merge(self, other: "StepStats") -> None:
        self.records_in += other.records_in
        self.changed += other.changed
        self.dropped.update(other.dropped)
        self.counters.update(other.counters)
        self.seconds += other.seconds

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def to_dict(self) -> dict:
        return {
            "step": self.name,
            "records_in": self.records_in,
            "changed": self.changed,
            "dropped": self.dropped_total,
            "dropped_by_reason": dict(sorted(self.dropped.items())),
            "counters": dict(sorted(self.counters.items())),
            "seconds": round(self.seconds, 3),
        }


class Step:
    """Base of every pipeline step.

    Subclasses set ``name`` and declare parameters as a frozen dataclass in
    ``Params``; ``from_config`` validates a parameter table against it.
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "record"  # "record" or "corpus"

    @dataclass(frozen=True)
    class Params:
        pass

    def __init__(self, params: "Step.Params | None" = None, **kwargs: Any):
        # keyword arguments are checked exactly like a [[pipeline]] table (a bad one is a
        # ConfigError naming it), so a step made in Python is one a config file could make
        self.params = params if params is not None else self.validated(_plain(kwargs), StepContext())

    @classmethod
    def from_config(cls, table: dict, context: "StepContext") -> "Step":
        """The step configured by a ``[[pipeline]]`` table, validated against ``Params``."""
        return cls(params=cls.validated(table, context))

    @classmethod
    def validated(cls, table: dict, context: "StepContext") -> Any:
        """``Params`` from a parameter table; a :class:`ConfigError` lists every problem.

        Every parameter is type-checked from the ``Params`` field types before
        the step's own ``coerce`` sees it (:func:`param_problems`), and all
        problems are reported at once, one line each.
        """
        problems = param_problems(cls.Params, table) or cls.value_problems(table)
        if problems:
            raise ConfigError(*(f"pipeline step {cls.name!r}: {p}" for p in problems))
        try:
            return cls.Params(**cls.coerce(table, context))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"pipeline step {cls.name!r}: {exc}") from None

    @classmethod
    def value_problems(cls, table: dict) -> list[str]:
        """Problems with well-typed parameter values, one line each (override to add checks)."""
        return []

    @classmethod
    def coerce(cls, table: dict, context: "StepContext") -> dict:
        """Turn a TOML table into ``Params`` keyword arguments (override to add context)."""
        return dict(table)

    def config(self) -> dict:
        """The step's parameters as plain data (round-trips through TOML/JSON)."""
        params = _plain(dataclasses.asdict(self.params))
        # None means "use the default": leave it out so the config round-trips through TOML
        return {"step": self.name, **{k: v for k, v in params.items() if v is not None}}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def param_problems(params: type, table: dict) -> list[str]:
    """What is wrong with a step's parameter table, judged from the ``Params`` field types.

    Unknown names get the nearest known one as a suggestion. A parameter typed
    ``str``, ``bool``, ``int``, ``float`` or ``tuple[str, ...]`` (optionally
    ``| None``) must hold that TOML type, and one typed as a tuple of pairs a
    TOML table: a string is never taken for a list (it would be read letter
    by letter), a boolean never for a number. Numbers
    must be finite and not negative (no step has a meaningful negative
    parameter); upper bounds and other shapes are the step's ``coerce``'s to check.
    """
    import difflib
    import typing

    hints = typing.get_type_hints(params)
    known = [f.name for f in dataclasses.fields(params)]
    problems = []
    for name, value in table.items():
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known)) or 'none'}"
            problems.append(f"unknown parameter {name!r}; {hint}")
            continue
        expected = _toml_shape(hints[name])
        if expected is not None and not expected[1](value):
            problems.append(f"{name}: expected {expected[0]}, got {describe_value(value)}")
    return problems


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < float("inf")


#: Parameter type -> (what a TOML value must be, its test).
_SHAPES: dict[Any, tuple[str, Any]] = {
    str: ("a string", lambda v: isinstance(v, str)),
    bool: ("true or false", lambda v: isinstance(v, bool)),
    int: ("an integer >= 0", lambda v: _number(v) and isinstance(v, int)),
    float: ("a number >= 0", _number),
    tuple[str, ...]: ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    # tables, which the step's coerce turns into sorted tuples of pairs
    tuple[tuple[str, str], ...]: ("a table of name = string",
                                  lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values())),
    tuple[tuple[str, tuple[str, ...]], ...]: (
        "a table of name = [strings]",
        lambda v: isinstance(v, dict) and all(isinstance(x, list) and all(isinstance(y, str) for y in x)
                                              for x in v.values())),
}


def _toml_shape(hint: Any) -> tuple[str, Any] | None:
    """The TOML shape a parameter of type ``hint`` needs (``X | None`` as ``X``), or None."""
    import types
    import typing

    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    try:
        return _SHAPES.get(hint)
    except TypeError:  # an unhashable annotation: the step's coerce checks it
        return None


@dataclass(frozen=True)
class StepContext:
    """Project-level settings a step may need: the variant lexicon, allowed languages."""

    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    languages: tuple[str, ...] = ()


class RecordStep(Step):
    """A step that transforms or drops records one at a time."""

    kind = "record"

    def apply(self, record: Record) -> Record | Drop:  # pragma: no cover - abstract
        raise NotImplementedError

    def counter_key(self, edit: dict) -> str:
        """The statistics bucket an edit is counted in (override for finer counts)."""
        return edit["action"]

    def process_batch(self, records: list[Record], stats: StepStats) -> tuple[list[Record], list[Record]]:
        """Apply the step to a batch; return (kept, dropped) and update ``stats``."""
        started = time.perf_counter()
        kept: list[Record] = []
        dropped: list[Record] = []
        for record in records:
            result = self.apply(record)
            if isinstance(result, Drop):
                stats.dropped[result.reason] += 1
                dropped.append(dict(record, removed={
                    "step": self.name, "reason": result.reason, "detail": result.detail,
                }))
                continue
            new_edits = len(result["edits"]) - len(record["edits"])
            if new_edits:
                stats.changed += 1
                for item in result["edits"][-new_edits:]:
                    stats.counters[self.counter_key(item)] += item["count"]
            kept.append(result)
        stats.records_in += len(records)
        stats.seconds += time.perf_counter() - started
        return kept, dropped


class FieldStep(RecordStep):
    """A record step that rewrites each of ``params.fields`` on its own.

    Subclasses implement ``edit_field(name, value) -> (new_value, edits)``;
    the record is copied only when some field changed.
    """

    def edit_field(self, name: str, value: str) -> tuple[str, list[dict]]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def value_problems(cls, table: dict) -> list[str]:
        """``fields`` must name record text fields: an unknown name would silently edit nothing."""
        import difflib

        problems = []
        for name in table.get("fields", ()):
            if name not in STRING_FIELDS:
                close = difflib.get_close_matches(name, STRING_FIELDS, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(STRING_FIELDS)}"
                problems.append(f"fields: {name!r} is not a record field; {hint}")
        return problems

    def apply(self, record: Record) -> Record:
        changes: dict = {}
        edits: list[dict] = []
        for name in self.params.fields:
            value = record.get(name)
            if not value:
                continue
            new, field_edits = self.edit_field(name, value)
            if field_edits:
                changes[name] = new
                edits.extend(field_edits)
        if not edits:
            return record
        return with_changes(record, self.name, edits, **changes)



@dataclass
class RowBatch:
    """Cleaned rows a corpus step decides about: published rows (``record_schema()``, plus the
    columns earlier corpus steps added) and each row's index in input order (``at``), the
    index its signature was added under."""

    at: "np.ndarray"  # int64, one per row
    table: "pa.Table"


class RowSource(Protocol):
    """Where a collector reads cleaned rows back by index (the build's spill, or a table)."""

    def spans(self, indices) -> dict[int, dict]:
        """``{index: {"id", "source_path", ... (the SOURCE_KEYS columns)}}`` of the rows at ``indices``."""

    def rows(self, indices, columns=None) -> dict[int, dict]:
        """``{index: published row}`` (only ``columns`` if given) of the rows at ``indices``."""


class CorpusStep(Step):
    """A step that decides about records from the whole corpus (e.g. ``dedup``).

    ``signature`` is pure and runs on the workers, on every record the record
    steps kept; the per-run state lives in the :class:`Collector` that
    ``collector()`` makes, so one step object can be configured once, sent to
    workers and used for many runs.
    """

    kind = "corpus"

    def signature(self, record: Record) -> Any:  # pragma: no cover - abstract
        """What the collector needs of ``record`` (small and picklable)."""
        raise NotImplementedError

    def signatures(self, records: list[Record]) -> list:
        """The signatures of a batch of records (what the workers call; a step that computes
        them faster together overrides it)."""
        return [self.signature(record) for record in records]

    def collector(self) -> "Collector":  # pragma: no cover - abstract
        raise NotImplementedError

    def output_schema(self, schema: "pa.Schema") -> "pa.Schema":
        """The schema of the rows ``apply`` returns, given the rows it gets (default: the same)."""
        return schema


class Collector:
    """The collecting side of one run of a :class:`CorpusStep`.

    Called in this order: ``add`` for every kept record in input order,
    ``resolve`` once, then ``apply`` on every batch of rows in input order.
    ``stats`` counts what the step saw, changed and removed (its ``seconds``:
    the time ``resolve`` took).
    """

    def __init__(self, step: CorpusStep):
        self.step = step
        self.stats = StepStats(step.name)

    def add(self, index: int, signature: Any) -> None:  # pragma: no cover - abstract
        """Take the signature of the record at input position ``index`` (0, 1, 2, ...)."""
        raise NotImplementedError

    def resolve(self, rows: RowSource, threads: int | None = None) -> None:  # pragma: no cover
        """Decide, from the signatures (and rows read back by index, if needed)."""
        raise NotImplementedError

    def apply(self, batch: RowBatch) -> "tuple[RowBatch, pa.Table | None]":  # pragma: no cover
        """The batch's kept rows (in ``step.output_schema``) and its removed rows
        (``removed_schema()``, with their reason), or None when it removes none."""
        raise NotImplementedError
