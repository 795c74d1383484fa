"""Read Parquet: one article per row; a string ``text`` column is required.

Recognised optional columns: ``id``, ``title``, ``outlet``, ``date``, ``time``,
``author``, ``url`` (dates and timestamps become ISO strings); other columns
are not read. ``[fields]`` / ``--field`` map other column names to these fields;
a column that is read must be named once. The file is streamed in record batches of ``BATCH_ROWS`` rows.

Provenance: ``start_line`` = ``end_line`` = the row number (1-based, over the
whole file) and the byte span is null, because a row of a compressed, columnar
file has no byte range of its own. The id, when the file has no ``id`` column,
is the hash of the row's recognised fields as canonical JSON.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.csv import check_columns
from corpuskit.readers.jsonl import record_from_object
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText
from corpuskit.records import Record

BATCH_ROWS = 1024
def open_parquet(path: str, shown: str, options: ReadOptions = ReadOptions()):
    """The file and the names of the columns read into records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", shown) from None
    names = parquet.schema_arrow.names
    check_columns(names, options, shown, None, "in the schema")
    text = options.column("text")
    text_type = parquet.schema_arrow.field(text).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)):
        raise InputError(f"column {options.named(text)} is {text_type}, expected strings", shown)
    used = set(options.columns().values())
    return parquet, [name for name in names if name in used]


def _plain(value):
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _batch_rows(batch, shown: str, first_row: int) -> list[dict]:
    """The rows of a record batch. A value Python cannot hold (a string that is not valid
    UTF-8, a date or timestamp outside years 1-9999) is an InputError naming its row and column."""
    try:
        return batch.to_pylist()
    except (UnicodeDecodeError, OverflowError, ValueError):
        for name in batch.schema.names:
            column = batch.column(name)
            for index in range(batch.num_rows):
                try:
                    column[index].as_py()
                except UnicodeDecodeError:
                    raise InputError(f"column {name!r} holds bytes that are not valid UTF-8; fix the "
                                     "file's strings", shown, first_row + index + 1) from None
                except (OverflowError, ValueError) as exc:
                    raise InputError(f"column {name!r} holds a value outside what can be read ({exc}); "
                                     "fix or remove it", shown, first_row + index + 1) from None
        raise


def read_parquet(source: SourceText, on_error: str = "raise",
                 report: Callable[[InputError], None] | None = None,
                 progress: Callable[[int], None] | None = None,
                 started: Callable[[int], None] | None = None,
                 options: ReadOptions = ReadOptions()) -> Iterator[Record]:
    """Yield the records of a Parquet source; ``progress(rows)`` after each batch."""
    parquet, columns = open_parquet(source.abspath, source.path, options)
    if started:
        started(parquet.metadata.num_rows)
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            for obj in _batch_rows(batch, source.path, row):
                index = row
                row += 1
                obj = {key: _plain(value) for key, value in obj.items()}
                raw = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
                try:
                    yield record_from_object(obj, source, index, raw, None, None, options)
                except InputError as error:
                    if on_error == "raise":
                        raise
                    (report or (lambda e: None))(error)
            if progress:
                progress(row)
    except OSError as exc:
        raise InputError(f"cannot read Parquet data ({exc})", source.path, row + 1) from None
