"""Stream records into size-bounded parquet shards with Hugging Face shard names."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from corpuskit.publish.schema import to_table

# Fixed, so row groups never depend on batch or worker counts; 1,000 rows is what `datasets`
# writes by default and keeps news row groups far below the 100 MB the Hub's viewer reads at once.
ROW_GROUP_ROWS = 1000
# zstd level 3: level 9 made files ~20% smaller but cost ~16 s of single-core time per
# 200k articles in the final (serial) pass; the published bytes depend on this setting.
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3


def parquet_options() -> dict:
    """Writer options beyond compression: a page index (readers skip pages by column statistics)
    and, where the installed pyarrow has it, content-defined chunking (pages cut by content, so
    the Hub's storage deduplicates what two versions share)."""
    import inspect

    options = {"compression": COMPRESSION, "compression_level": COMPRESSION_LEVEL, "write_page_index": True}
    if "use_content_defined_chunking" in inspect.signature(pq.ParquetWriter.__init__).parameters:
        options["use_content_defined_chunking"] = True
    return options


class ShardWriter:
    """Write ``split`` rows under ``folder`` as ``<split>-XXXXX-of-YYYYY.parquet``.

    Rows arrive as records (``write``) or as Arrow tables in the writer's schema
    (``write_table``, no per-row Python work). They are buffered into fixed-size
    row groups, each made contiguous before it is written, so the bytes depend
    only on the sequence of rows, never on how it was cut into batches. A new
    shard starts when the current one passes ``shard_bytes``. Shards get their
    final names on ``close``.

    With ``threaded`` (the build sets it when it may use more than one core),
    encoding and compressing a row group runs in a background thread (Arrow
    releases the GIL), so the caller prepares the next rows meanwhile. Row
    groups are written in order by that one thread: the bytes do not change.
    Without it, row groups are written in the caller's thread.
    """

    def __init__(self, folder: str, split: str, schema: pa.Schema, shard_bytes: int,
                 removed: bool = False, threaded: bool = True):
        self.folder = folder
        self.split = split
        self.schema = schema
        self.shard_bytes = shard_bytes
        self.removed = removed
        self.threaded = threaded
        self.rows = 0
        self._tables: list[pa.Table] = []
        self._buffered = 0
        self._paths: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._sink = None
        self._queue: queue.Queue = queue.Queue(maxsize=3)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, records: Sequence[dict]) -> None:
        if records:
            self.write_table(to_table(records, self.schema, removed=self.removed))

    def write_table(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if not table.schema.equals(self.schema):
            table = table.cast(self.schema)
        self._tables.append(table)
        self._buffered += table.num_rows
        if self._buffered >= ROW_GROUP_ROWS:
            pending = pa.concat_tables(self._tables)
            offset = 0
            while self._buffered - offset >= ROW_GROUP_ROWS:
                self._flush(pending.slice(offset, ROW_GROUP_ROWS))
                offset += ROW_GROUP_ROWS
            rest = pending.slice(offset)
            self._tables = [rest] if rest.num_rows else []
            self._buffered -= offset

    def _flush(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._error is not None:
            raise self._error
        if not self.threaded:
            self._write_group(table)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="parquet-writer", daemon=True)
            self._thread.start()
        self._queue.put(table)

    def _drain(self) -> None:
        while True:
            table = self._queue.get()
            if table is None:
                return
            if self._error is not None:
                continue
            try:
                self._write_group(table)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write_group(self, table: pa.Table) -> None:
        if self._writer is None:
            os.makedirs(self.folder, exist_ok=True)
            path = os.path.join(self.folder, f".{self.split}-{len(self._paths):05d}.parquet.part")
            self._paths.append(path)
            self._sink = pa.OSFile(path, "wb")
            self._writer = pq.ParquetWriter(self._sink, self.schema, write_statistics=True, store_schema=True,
                                            **parquet_options())
        self._writer.write_table(table.combine_chunks(), row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows
        if self._sink.tell() >= self.shard_bytes:
            self._close_current()

    def _close_current(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = None
            self._sink = None

    def abort(self) -> None:
        """Close any open file without finishing (safe after ``close``)."""
        try:
            self._join()
        except BaseException:  # noqa: BLE001 - aborting after a failure already reported
            pass
        self._close_current()

    def close(self) -> list[str]:
        """Finish writing; return the final shard paths (none if no rows)."""
        if self._tables:
            self._flush(pa.concat_tables(self._tables))
        self._tables = []
        self._buffered = 0
        self._join()
        self._close_current()
        total = len(self._paths)
        final = []
        for index, path in enumerate(self._paths):
            name = f"{self.split}-{index:05d}-of-{total:05d}.parquet"
            target = os.path.join(self.folder, name)
            os.replace(path, target)
            final.append(target)
        return final
