"""Cost of the published parquet options, measured in one run against the old ones.

Writes the same 20,000 generated articles (published schema, provenance included)
with the earlier options (4,096-row groups, no page index, no content-defined
chunking) and with the current ``parquet_options()`` (1,000-row groups, page index,
CDC where pyarrow has it), alternating 3 rounds; prints CPU seconds and file size.

    .venv/bin/python benchmarks/parquet_options.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))

from generate import generate_corpus  # noqa: E402

from corpuskit.publish.schema import record_schema, to_table  # noqa: E402
from corpuskit.publish.writer import COMPRESSION, COMPRESSION_LEVEL, parquet_options  # noqa: E402
from corpuskit.records import new_record, source_span  # noqa: E402


def table(n: int) -> pa.Table:
    records = []
    for i, article in enumerate(generate_corpus(n, seed=7, pool=False)):
        record = new_record(text=article["text"], title=article["title"], outlet=article["outlet"],
                            date=article["date"], author=article["author"], id=article["id"],
                            source=source_span("corpus.jsonl", "0" * 64, i + 1, i + 1, i * 100, i * 100 + 99))
        records.append(record)
    return to_table(records, record_schema())


def write(data: pa.Table, path: str, rows: int, options: dict) -> tuple[float, int]:
    started = time.process_time()
    with pq.ParquetWriter(path, data.schema, write_statistics=True, store_schema=True, **options) as writer:
        for offset in range(0, data.num_rows, rows):
            writer.write_table(data.slice(offset, rows), row_group_size=rows)
    return time.process_time() - started, os.path.getsize(path)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    data = table(n)
    old = {"compression": COMPRESSION, "compression_level": COMPRESSION_LEVEL}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(3):
            a = write(data, os.path.join(tmp, "old.parquet"), 4096, old)
            b = write(data, os.path.join(tmp, "new.parquet"), 1000, parquet_options())
            print(f"round {round_ + 1}: old {a[0]:.2f} CPU-s {a[1]:,} B; new {b[0]:.2f} CPU-s {b[1]:,} B; "
                  f"ratio {b[0] / a[0]:.2f}x time, {b[1] / a[1]:.3f}x size")


if __name__ == "__main__":
    main()
