"""The build's spill: cleaned records on disk as Arrow IPC batches, read back in order or by index.

Workers encode their kept and dropped records as Arrow IPC bytes
(:class:`ArrowEncoder`), the format the rows are spilled and published in, so
the parent neither unpickles nor re-converts them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa

from corpuskit.publish.schema import SOURCE_KEYS, record_schema, removed_schema, to_table


class Spill:
    """Append-only on-disk store of cleaned records, read back in order or by index.

    Each batch is one Arrow IPC stream of published rows (``record_schema()``),
    as the worker encoded it: appending is a plain write, reading a batch back
    costs no per-row Python work, and only what a batch holds is in memory.
    """

    def __init__(self, folder: str):
        self.path = os.path.join(folder, "records.arrows")
        self._handle = open(self.path, "wb")
        self._offsets: list[int] = []  # file offset of each batch
        self._firsts: list[int] = []  # index of the first record of each batch
        self.count = 0

    def append(self, payload: bytes, rows: int) -> None:
        if not rows:
            return
        self._offsets.append(self._handle.tell())
        self._firsts.append(self.count)
        self._handle.write(payload)
        self.count += rows

    def finish(self) -> None:
        if not self._handle.closed:
            self._offsets.append(self._handle.tell())
            self._handle.close()

    def batches(self) -> Iterator[tuple[int, pa.Table]]:
        """(index of the first row, table) of every batch, in order."""
        with open(self.path, "rb") as handle:
            for batch_no, first in enumerate(self._firsts):
                size = self._offsets[batch_no + 1] - self._offsets[batch_no]
                yield first, decode_table(handle.read(size))

    def _batch(self, handle, batch_no: int):
        handle.seek(self._offsets[batch_no])
        return decode_table(handle.read(self._offsets[batch_no + 1] - self._offsets[batch_no]))

    def spans(self, indices: Sequence[int]) -> dict[int, dict]:
        """The id and source span (provenance's source columns) of the rows at ``indices``."""
        return self._picked(indices, _id_and_span)

    def rows(self, indices: Sequence[int], columns: Sequence[str] | None = None) -> dict[int, dict]:
        """Published rows at ``indices``, loading each needed batch once."""
        return self._picked(indices, (lambda table: table) if columns is None
                            else (lambda table: table.select(list(columns))))

    def _picked(self, indices: Sequence[int], view: Callable) -> dict[int, dict]:
        """Rows at ``indices`` of ``view(batch)``, as dicts; each needed batch is read once."""
        import bisect

        wanted: dict[int, list[int]] = {}
        for i in indices:
            wanted.setdefault(bisect.bisect_right(self._firsts, i) - 1, []).append(i)
        found: dict[int, dict] = {}
        with open(self.path, "rb") as handle:
            for batch_no in sorted(wanted):
                first = self._firsts[batch_no]
                picked = view(self._batch(handle, batch_no)).take([i - first for i in wanted[batch_no]])
                found.update(zip(wanted[batch_no], picked.to_pylist()))
        return found


class TableRows:
    """Rows held in one Arrow table, read back by index like the :class:`Spill` (a
    :class:`~corpuskit.steps.base.RowSource` for runs held in memory)."""

    def __init__(self, table: pa.Table):
        self.table = table

    def spans(self, indices: Sequence[int]) -> dict[int, dict]:
        return dict(zip(indices, _id_and_span(self.table).take(list(indices)).to_pylist()))

    def rows(self, indices: Sequence[int], columns: Sequence[str] | None = None) -> dict[int, dict]:
        table = self.table if columns is None else self.table.select(list(columns))
        return dict(zip(indices, table.take(list(indices)).to_pylist()))


def _id_and_span(table: pa.Table) -> pa.Table:
    """The ``id`` and source-span columns (:data:`~corpuskit.publish.schema.SOURCE_KEYS`) of rows."""
    provenance = table.column("provenance").combine_chunks()
    columns = {"id": table.column("id")}
    columns.update((column, provenance.field(column)) for column, _ in SOURCE_KEYS)
    return pa.table(columns)


def encode_table(table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_table(payload: bytes):
    return pa.ipc.open_stream(pa.py_buffer(payload)).read_all()


class ArrowEncoder:
    """Turn a batch's kept and dropped records into IPC bytes (runs in the worker)."""

    def __init__(self):
        self.kept_schema = record_schema(False)
        self.removed_schema = removed_schema()

    def __call__(self, kept: list[dict], dropped: list[dict]) -> tuple[bytes, bytes]:
        kept_bytes = encode_table(to_table(kept, self.kept_schema)) if kept else b""
        dropped_bytes = (encode_table(to_table(dropped, self.removed_schema, removed=True))
                         if dropped else b"")
        return kept_bytes, dropped_bytes
