"""Run per-record steps on units of work, in this process or across worker processes.

A unit is a list of records (formats the reader parses: Parquet, files read
whole) or a block of raw lines of a streamed JSON Lines, CSV or digest file,
which the worker parses itself, so that the parent neither parses nor pickles
those records. The worker runs every record step on the unit in order,
computes the corpus steps' signatures of the survivors (``CorpusStep.signature``)
and returns the kept records, the dropped records and per-step statistics. Units are cut independently of the number of workers and results
are consumed in input order, so the output is identical whatever that number.

Between processes the expensive part is the result: cleaned records carry their
edits and provenance. With an ``encode`` function (the build uses one that turns
the records into Arrow IPC bytes, the format they are spilled and published in),
the worker hands back a few flat buffers instead of thousands of small Python
objects, so the parent neither unpickles nor re-converts them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpuskit.records import Record
from corpuskit.steps.base import Collector, CorpusStep, RecordStep, RowBatch, Step, StepStats


@dataclass
class BatchResult:
    """What one unit of work produced, in input order.

    ``kept`` and ``dropped`` are lists of records, or whatever the runner's
    ``encode`` made of them (then ``kept_count``/``dropped_count`` give the sizes).
    ``signatures[k]`` are the signatures of the kept records for the runner's
    ``k``-th corpus step. ``ids`` are the base ids of the unit's records in input
    order, and ``kept_at``/``dropped_at`` the input position (in the unit) of each
    kept and dropped record, so that the caller can give repeated ids their suffix.
    ``errors`` are the input errors skipped while parsing the unit; ``empty`` the
    records removed for having no text (:data:`EMPTY_TEXT`); ``overheads`` the
    seconds spent on work that is no step's (encoding, signatures).
    """

    kept: Any
    dropped: Any
    signatures: list[list]
    stats: list[StepStats]
    seconds: float = 0.0
    kept_count: int = 0
    dropped_count: int = 0
    records_in: int = 0
    ids: list[str] = field(default_factory=list)
    kept_at: list[int] = field(default_factory=list)
    dropped_at: list[int] = field(default_factory=list)
    errors: list = field(default_factory=list)
    empty: int = 0
    overheads: dict[str, float] = field(default_factory=dict)


@dataclass
class Runner:
    """Runs a pipeline's record steps on units of work, and its corpus steps' signatures.

    ``steps`` are the record steps, in order; ``corpus`` the corpus steps, whose
    ``signature`` runs on every kept record. ``encode(kept, dropped) ->
    (kept_payload, dropped_payload)`` runs in the worker after the steps
    (default: records are returned as they are). ``stats`` (per record step),
    ``empty`` and ``overheads`` add up every absorbed :class:`BatchResult`.
    """

    steps: Sequence[RecordStep]
    corpus: Sequence[CorpusStep] = ()
    encode: Callable | None = None
    stats: dict[str, StepStats] = field(default_factory=dict)
    empty: int = 0
    overheads: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        for step in self.steps:
            self.stats.setdefault(step.name, StepStats(step.name))

    @classmethod
    def of(cls, steps: Sequence[Step], encode: Callable | None = None) -> "Runner":
        """The runner of a pipeline's steps: record steps run, corpus steps sign."""
        return cls([s for s in steps if not isinstance(s, CorpusStep)],
                   [s for s in steps if isinstance(s, CorpusStep)], encode)

    def run_batch(self, unit: list[Record] | Any) -> BatchResult:
        """Run every step on a unit: a list of records, or a block with ``parse()``
        (:class:`~corpuskit.readers.streaming.JsonlBlock`,
        :class:`~corpuskit.readers.streaming.DigestChunk`) parsed here first."""
        started = time.perf_counter()
        errors: list = []
        if isinstance(unit, list):
            records = unit
        else:
            records, errors = unit.parse()
        count = len(records)
        ids = [r["id"] for r in records]
        position = {_span_key(r): i for i, r in enumerate(records)}
        if len(position) != count:  # a reader invariant that the id suffixes rely on
            raise RuntimeError("records of one unit of work must come from distinct source spans")
        stats = [StepStats(step.name) for step in self.steps]
        records, dropped = _without_text(records, "the input record has no text")
        empty = len(dropped)
        for step, step_stats in zip(self.steps, stats):
            records, gone = step.process_batch(records, step_stats)
            dropped.extend(gone)
        records, gone = _without_text(records, "no text is left after cleaning")
        dropped.extend(gone)
        empty += len(gone)
        overheads: dict[str, float] = {}
        signatures = []
        for step in self.corpus:
            signature_started = time.perf_counter()
            signatures.append(step.signatures(records))
            overheads[f"{step.name}:signature"] = time.perf_counter() - signature_started
        kept_count, dropped_count = len(records), len(dropped)
        kept_at = [position[_span_key(r)] for r in records]
        dropped_at = [position[_span_key(r)] for r in dropped]
        kept: Any = records
        gone_payload: Any = dropped
        if self.encode is not None:
            encode_started = time.perf_counter()
            kept, gone_payload = self.encode(records, dropped)
            overheads["encode"] = time.perf_counter() - encode_started
        return BatchResult(kept, gone_payload, signatures, stats, time.perf_counter() - started,
                           kept_count, dropped_count, count, ids, kept_at, dropped_at, errors,
                           empty, overheads)

    def absorb(self, result: BatchResult) -> None:
        """Add a unit's statistics to the run's (engines call this on every result, in order)."""
        for step_stats in result.stats:
            self.stats.setdefault(step_stats.name, StepStats(step_stats.name)).merge(step_stats)
        self.empty += result.empty
        for name, seconds in result.overheads.items():
            self.overheads[name] = self.overheads.get(name, 0.0) + seconds


#: The reason (and the ``removed.step``) for records removed because they have no text.
EMPTY_TEXT = "empty_text"


def _without_text(records: list[Record], detail: str) -> tuple[list[Record], list[Record]]:
    """Split off records whose text is empty or only whitespace: removed with a reason, since
    a record without text is no article (and the gate fails an empty ``text``)."""
    kept: list[Record] = []
    gone: list[Record] = []
    for record in records:
        text = record.get("text")
        if isinstance(text, str) and text.strip():
            kept.append(record)
        else:
            gone.append(dict(record, removed={"step": EMPTY_TEXT, "reason": EMPTY_TEXT, "detail": detail}))
    return kept, gone


def _span_key(record: Record) -> tuple:
    """Where a record comes from: unique per input record, kept by every step."""
    source = record["source"]
    return source["path"], source["start_line"], source["start_byte"]


@dataclass
class RunResult:
    """What :func:`run_records` made of a list of records.

    ``kept`` and ``removed`` are records in input order (a removed one carries
    ``removed``: step, reason, detail, ...); ``stats`` one per step, record steps
    first, then corpus steps; ``empty`` the records removed for having no text.
    """

    kept: list[Record]
    removed: list[Record]
    stats: list[StepStats]
    empty: int = 0


def run_records(steps: Sequence[Step], records: Iterable[Record], engine=None,
                batch_size: int = 256) -> RunResult:
    """Run a pipeline's steps (record and corpus steps) over records held in memory.

    Records must be complete (as :func:`corpuskit.records.new_record` makes them,
    each from a distinct ``source`` span). The same runner as the build's does the
    work on ``engine`` (default: this process); repeated ids get their ``-2``
    suffix (:mod:`corpuskit.ids`); corpus steps then decide on all kept records
    at once, through the same :class:`~corpuskit.steps.base.Collector` as in a build.
    """
    from corpuskit.engine import LocalEngine
    from corpuskit.ids import IdCounter, final_ids

    runner = Runner.of(steps)
    collectors = [step.collector() for step in runner.corpus]
    ids = IdCounter()
    kept: list[Record] = []
    removed: list[Record] = []
    for result in (engine or LocalEngine(1)).map(runner, _chunks(iter(records), batch_size)):
        unit_kept, unit_dropped = final_ids(ids, result)
        for collector, signatures in zip(collectors, result.signatures):
            for j, signature in enumerate(signatures):
                collector.add(len(kept) + j, signature)
        kept.extend(unit_kept)
        removed.extend(unit_dropped)
    if collectors:
        kept, gone = _decide(collectors, kept)
        removed.extend(gone)
    stats = [runner.stats[step.name] for step in runner.steps] + [c.stats for c in collectors]
    return RunResult(kept, removed, stats, runner.empty)


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _decide(collectors: list[Collector], kept: list[Record]) -> tuple[list[Record], list[Record]]:
    """Resolve and apply the corpus steps' collectors on ``kept``, as published rows in one table."""
    import numpy as np

    from corpuskit.publish.schema import record_from_row, record_schema, to_table
    from corpuskit.spill import TableRows

    table = to_table(kept, record_schema())
    for collector in collectors:
        collector.resolve(TableRows(table))
    batch = RowBatch(np.arange(len(kept), dtype=np.int64), table)
    removed = []
    for collector in collectors:
        batch, gone = collector.apply(batch)
        if gone is not None:
            removed.extend(gone.to_pylist())
    by_id = {record["id"]: record for record in kept}

    def record(row: dict, *extra: str) -> Record:
        return {**by_id[row["id"]], **record_from_row(row), **{k: row[k] for k in extra if k in row}}

    return ([record(row, "cluster") for row in batch.table.to_pylist()],
            [record(row, "removed") for row in removed])
