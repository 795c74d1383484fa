"""The ``dedup`` step's collecting side: signatures in, clusters resolved, applied batch by batch.

:class:`DedupCollector` is the step's :class:`~corpuskit.steps.base.Collector`:
``add`` feeds the engine, ``resolve`` clusters and reads back the id and source
span of every clustered row, and ``apply`` moves a batch's copies to the removed
rows (or, in ``annotate`` mode, labels them) and lists them in the provenance of
the record they were merged into.
"""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa

from corpuskit._dedup.engine import Deduplicator
from corpuskit._memory import trim_heap
from corpuskit.publish.schema import SOURCE_KEYS, record_schema, removed_schema
from corpuskit.steps.base import Collector, CorpusStep, RowBatch, RowSource


class DedupCollector(Collector):
    """Clusters copies among the added signatures; keeps the most complete copy of each cluster."""

    def __init__(self, step: CorpusStep):
        super().__init__(step)
        self.engine = Deduplicator(step.params)
        self.add = self.engine.add  # one call per record: no wrapper in between
        self.annotate = step.params.mode == "annotate"
        self.clusters = None
        self.affected = np.empty(0, dtype=np.int64)  # clustered rows' indices, sorted
        self.spans: pa.Table | None = None  # their ids and source spans, in that order
        self.removed_schema = removed_schema()

    def resolve(self, rows: RowSource, threads: int | None = None) -> None:
        started = time.perf_counter()
        self.clusters = clusters = self.engine.resolve(threads=threads)
        if clusters.kept_of:
            self.affected = np.array(sorted(set(clusters.kept_of) | set(clusters.members)), dtype=np.int64)
            self.spans = _span_table(rows, self.affected)
        trim_heap()  # resolve's temporaries are freed: the write pass need not carry their pages
        self.stats.seconds += time.perf_counter() - started

    def _spans_of(self, indices: list[int]) -> dict[int, dict]:
        """``{index: {"id", source span columns}}`` of clustered rows (a batch's few)."""
        at = np.searchsorted(self.affected, np.array(indices, dtype=np.int64))
        return dict(zip(indices, self.spans.take(pa.array(at)).to_pylist()))

    def apply(self, batch: RowBatch) -> tuple[RowBatch, pa.Table | None]:
        """Everything stays in Arrow. Only small values cross into Python: the ids and
        source spans of clustered rows, the provenance of the rows copies are merged
        into (rebuilt with their ``merged`` list), and the removal reasons."""
        table = batch.table
        count = table.num_rows
        self.stats.records_in += count
        schema = self.step.output_schema(table.schema)
        if self.annotate:
            table = _with_cluster(table, table.column("id"), schema)
        touched = _touched(self.affected, batch.at)
        if not touched:
            return RowBatch(batch.at, table), None
        copies, removals, clustered, heads = self._sort_out(touched, batch.at)
        if heads:
            members = [m.index for j in heads for m in self.clusters.members[int(batch.at[j])]]
            table = _with_merged(table, heads, batch.at, self.clusters, self._spans_of(members), schema,
                                 self.step.name)
            self.stats.changed += len(heads)
        if clustered:
            ids = table.column("cluster").to_pylist()
            for j, kept_id in clustered.items():
                ids[j] = kept_id
            table = _with_column(table, "cluster", pa.array(ids, type=schema.field("cluster").type))
        if not copies:
            return RowBatch(batch.at, table), None
        gone = table.take(pa.array(copies, type=pa.int64()))
        removed = pa.Table.from_arrays(
            [gone.column(name) for name in self.removed_schema.names[:-1]]
            + [pa.array(removals, type=self.removed_schema.field("removed").type)],
            schema=self.removed_schema)
        keep = np.ones(count, dtype=bool)
        keep[copies] = False
        return RowBatch(batch.at[keep], table.filter(pa.array(keep))), removed

    def _sort_out(self, touched: list[int], at: np.ndarray):
        """The batch rows ``touched`` by a cluster: copies that leave (with their removal),
        copies labelled in place (annotate), and kept rows copies are merged into."""
        clusters = self.clusters
        copies: list[int] = []  # rows that leave data/ for removed/
        removals: list[dict] = []
        clustered: dict[int, str] = {}  # annotate: copy row -> id of the record it belongs to
        heads: list[int] = []  # rows copies are merged into
        spans = self._spans_of(sorted({clusters.kept_of[int(at[j])] for j in touched
                                       if int(at[j]) in clusters.kept_of}))
        for j in touched:
            i = int(at[j])
            if i not in clusters.kept_of:
                heads.append(j)
                continue
            kept_id = spans[clusters.kept_of[i]]["id"]
            member = next(m for m in clusters.members[clusters.kept_of[i]] if m.index == i)
            self.stats.counters[f"match:{member.match}"] += 1
            if self.annotate:
                clustered[j] = kept_id
                continue
            self.stats.dropped["duplicate"] += 1
            copies.append(j)
            removals.append({
                "step": self.step.name, "reason": "duplicate", "detail": f"{member.match} copy of {kept_id}",
                "duplicate_of": kept_id, "similarity": member.similarity, "match": member.match,
            })
        return copies, removals, clustered, heads


def _span_table(rows: RowSource, indices: np.ndarray, chunk: int = 8192) -> pa.Table:
    """The ids and source spans of the rows at ``indices`` as one table, read ``chunk`` rows at
    a time (no Python object per clustered row is kept), in one chunk: every batch of the
    write pass takes a few rows of it, and a ``take`` from a chunked table costs time in
    proportion to the whole table (3 ms a batch at 90,000 clustered rows, against 0.2 ms)."""
    provenance = record_schema().field("provenance").type
    schema = pa.schema([record_schema().field("id")] + [provenance.field(column) for column, _ in SOURCE_KEYS])
    parts = []
    for start in range(0, len(indices), chunk):
        part = indices[start:start + chunk].tolist()
        found = rows.spans(part)
        parts.append(pa.Table.from_pylist([found[i] for i in part], schema=schema))
    return pa.concat_tables(parts).combine_chunks()


def _touched(affected: np.ndarray, at: np.ndarray) -> list[int]:
    """Positions in a batch (rows ``at``) of the rows a cluster touches (``affected``, sorted)."""
    if not len(affected):
        return []
    where = np.minimum(np.searchsorted(affected, at), len(affected) - 1)
    return np.flatnonzero(affected[where] == at).tolist()


def _with_column(table, name: str, values):
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def _with_merged(table, heads: list[int], at: np.ndarray, clusters, spans: dict[int, dict], schema,
                 step: str):
    """``table`` with the provenance of rows ``heads`` listing the copies merged into them."""
    provenance = table.column("provenance").take(pa.array(heads, type=pa.int64())).to_pylist()
    for j, record in zip(heads, provenance):
        record["merged"] = [
            {"id": spans[m.index]["id"], **{column: spans[m.index][column] for column, _ in SOURCE_KEYS},
             "similarity": m.similarity, "match": m.match}
            for m in sorted(clusters.members[int(at[j])], key=lambda m: m.index)
        ]
        record["steps"] = list(record["steps"]) + [step]
    count = table.num_rows
    order = np.arange(count, dtype=np.int64)
    order[heads] = count + np.arange(len(heads), dtype=np.int64)
    column = pa.concat_arrays([table.column("provenance").combine_chunks(),
                               pa.array(provenance, type=schema.field("provenance").type)])
    return _with_column(table, "provenance", column.take(pa.array(order)))


def _with_cluster(table, cluster, schema):
    columns = [table.column(name) if name != "cluster" else cluster for name in schema.names]
    return pa.Table.from_arrays(columns, schema=schema)
