"""Run per-record steps on units of work, in this process or across worker processes.

A unit is a list of records (formats the reader parses: Parquet, files read
whole) or a block of raw lines of a streamed JSON Lines, CSV or digest file,
which the worker parses itself, so that the parent neither parses nor pickles
those records. The worker runs every record step on the unit in order,
computes the dedup signatures of the survivors and returns the kept records,
the dropped records and per-step statistics. Units are cut independently of the number of workers and results
are consumed in input order, so the output is identical whatever that number.

Between processes the expensive part is the result: cleaned records carry their
edits and provenance. With an ``encode`` function (the build uses one that turns
the records into Arrow IPC bytes, the format they are spilled and published in),
the worker hands back a few flat buffers instead of thousands of small Python
objects, so the parent neither unpickles nor re-converts them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from corpuskit.records import Record
from corpuskit.steps import RecordStep, StepStats


@dataclass
class BatchResult:
    """What one unit of work produced, in input order.

    ``kept`` and ``dropped`` are lists of records, or whatever the pipeline's
    ``encode`` made of them (then ``kept_count``/``dropped_count`` give the sizes).
    ``ids`` are the base ids of the unit's records in input order, and
    ``kept_at``/``dropped_at`` the input position (in the unit) of each kept
    and dropped record, so that the caller can give repeated ids their suffix.
    ``errors`` are the input errors skipped while parsing the unit.
    """

    kept: Any
    dropped: Any
    signatures: list
    stats: list[StepStats]
    seconds: float = 0.0
    kept_count: int = 0
    dropped_count: int = 0
    records_in: int = 0
    ids: list[str] = field(default_factory=list)
    kept_at: list[int] = field(default_factory=list)
    dropped_at: list[int] = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass
class Pipeline:
    """The per-record part of a pipeline plus an optional dedup signature function.

    ``encode(kept, dropped) -> (kept_payload, dropped_payload)`` runs in the
    worker after the steps (default: records are returned as they are).
    """

    steps: Sequence[RecordStep]
    signature: Callable | None = None  # callable(record) -> signature, or None
    encode: Callable | None = None
    stats: dict[str, StepStats] = field(default_factory=dict)

    def __post_init__(self):
        for step in self.steps:
            self.stats.setdefault(step.name, StepStats(step.name))

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
        empty = StepStats(EMPTY_TEXT)
        records, dropped = _without_text(records, empty, "the input record has no text")
        for step, step_stats in zip(self.steps, stats):
            records, gone = step.process_batch(records, step_stats)
            dropped.extend(gone)
        records, gone = _without_text(records, empty, "no text is left after cleaning")
        dropped.extend(gone)
        if empty.dropped:
            stats.append(empty)
        signature_started = time.perf_counter()
        signatures = [self.signature(r) for r in records] if self.signature else []
        signature_stats = StepStats("dedup:signature", records_in=len(records),
                                    seconds=time.perf_counter() - signature_started)
        kept_count, dropped_count = len(records), len(dropped)
        kept_at = [position[_span_key(r)] for r in records]
        dropped_at = [position[_span_key(r)] for r in dropped]
        kept: Any = records
        gone_payload: Any = dropped
        if self.encode is not None:
            encode_started = time.perf_counter()
            kept, gone_payload = self.encode(records, dropped)
            stats.append(StepStats("encode", records_in=count,
                                   seconds=time.perf_counter() - encode_started))
        if self.signature:
            stats.append(signature_stats)
        return BatchResult(kept, gone_payload, signatures, stats, time.perf_counter() - started,
                           kept_count, dropped_count, count, ids, kept_at, dropped_at, errors)

    def absorb(self, result: BatchResult) -> None:
        for step_stats in result.stats:
            self.stats.setdefault(step_stats.name, StepStats(step_stats.name)).merge(step_stats)


#: The reason (and stats name) for records removed because they have no text.
EMPTY_TEXT = "empty_text"


def _without_text(records: list[Record], stats: StepStats, detail: str) -> tuple[list[Record], list[Record]]:
    """Split off records whose text is empty or only whitespace: removed with a reason, since
    a record without text is no article (and the gate fails an empty ``text``)."""
    kept: list[Record] = []
    gone: list[Record] = []
    for record in records:
        text = record.get("text")
        if isinstance(text, str) and text.strip():
            kept.append(record)
        else:
            stats.dropped[EMPTY_TEXT] += 1
            gone.append(dict(record, removed={"step": EMPTY_TEXT, "reason": EMPTY_TEXT, "detail": detail}))
    return kept, gone


def _span_key(record: Record) -> tuple:
    """Where a record comes from: unique per input record, kept by every step."""
    source = record["source"]
    return source["path"], source["start_line"], source["start_byte"]
