"""Applying dedup's clusters to the spilled records: one ordered pass writes ``data/`` and ``removed/``."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from corpuskit.publish.schema import SOURCE_KEYS
from corpuskit.publish.writer import ShardWriter
from corpuskit.spill import Spill
from corpuskit.steps.base import StepStats


def write_outputs(spill: Spill, clusters, annotate: bool, train_writer: ShardWriter,
                   removed_writer: ShardWriter, removed_reasons: Counter) -> StepStats:
    """One ordered pass over the spill: kept rows to ``data/``, copies to ``removed/``.

    Everything stays in Arrow. Only small values cross into Python: the ids and
    source spans of clustered rows, the provenance of the rows copies are merged
    into (rebuilt with their ``merged`` list), and the removal reasons.
    """
    dedup_stats = StepStats("dedup")
    affected: set[int] = set()
    spans: dict[int, dict] = {}
    if clusters is not None and clusters.kept_of:
        affected = set(clusters.kept_of) | set(clusters.members)
        spans = spill.spans(sorted(affected))
    train_schema = train_writer.schema
    removed_schema_ = removed_writer.schema
    removed_type = removed_schema_.field("removed").type
    for first, table in spill.batches():
        count = table.num_rows
        if clusters is not None:
            dedup_stats.records_in += count
        if annotate:
            table = _with_cluster(table, table.column("id"), train_schema)
        touched = [j for j in range(count) if first + j in affected] if affected else []
        if not touched:
            train_writer.write_table(table)
            continue
        copies: list[int] = []  # rows that leave data/ for removed/
        removals: list[dict] = []
        clustered: dict[int, str] = {}  # annotate: copy row -> id of the record it belongs to
        heads: list[int] = []  # rows copies are merged into
        for j in touched:
            i = first + j
            if i in clusters.kept_of:
                kept = clusters.kept_of[i]
                kept_id = spans[kept]["id"]
                member = next(m for m in clusters.members[kept] if m.index == i)
                dedup_stats.counters[f"match:{member.match}"] += 1
                if annotate:
                    clustered[j] = kept_id
                    continue
                dedup_stats.dropped["duplicate"] += 1
                removed_reasons["duplicate"] += 1
                copies.append(j)
                removals.append({
                    "step": "dedup", "reason": "duplicate", "detail": f"{member.match} copy of {kept_id}",
                    "duplicate_of": kept_id, "similarity": member.similarity, "match": member.match,
                })
            elif i in clusters.members:
                heads.append(j)
        if heads:
            table = _with_merged(table, heads, first, clusters, spans, train_schema)
            dedup_stats.changed += len(heads)
        if clustered:
            ids = table.column("cluster").to_pylist()
            for j, kept_id in clustered.items():
                ids[j] = kept_id
            table = _with_column(table, "cluster", pa.array(ids, type=train_schema.field("cluster").type))
        if copies:
            gone = table.take(pa.array(copies, type=pa.int64()))
            removed_writer.write_table(pa.Table.from_arrays(
                [gone.column(name) for name in removed_schema_.names[:-1]]
                + [pa.array(removals, type=removed_type)], schema=removed_schema_))
            keep = np.ones(count, dtype=bool)
            keep[copies] = False
            table = table.filter(pa.array(keep))
        train_writer.write_table(table)
    return dedup_stats


def _with_column(table, name: str, values):
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def _with_merged(table, heads: list[int], first: int, clusters, spans: dict[int, dict], schema):
    """``table`` with the provenance of rows ``heads`` listing the copies merged into them."""
    provenance = table.column("provenance").take(pa.array(heads, type=pa.int64())).to_pylist()
    for j, record in zip(heads, provenance):
        record["merged"] = [
            {"id": spans[m.index]["id"], **{column: spans[m.index][column] for column, _ in SOURCE_KEYS},
             "similarity": m.similarity, "match": m.match}
            for m in sorted(clusters.members[first + j], key=lambda m: m.index)
        ]
        record["steps"] = list(record["steps"]) + ["dedup"]
    count = table.num_rows
    order = np.arange(count, dtype=np.int64)
    order[heads] = count + np.arange(len(heads), dtype=np.int64)
    column = pa.concat_arrays([table.column("provenance").combine_chunks(),
                               pa.array(provenance, type=schema.field("provenance").type)])
    return _with_column(table, "provenance", column.take(pa.array(order)))


def _with_cluster(table, cluster, schema):
    import pyarrow as pa

    columns = [table.column(name) if name != "cluster" else cluster for name in schema.names]
    return pa.Table.from_arrays(columns, schema=schema)
