"""What :meth:`corpuskit.Pipeline.run` accepts, and the way back to the same kind.

Data is an iterable of texts or dicts, a ``pyarrow.Table`` or a
``datasets.Dataset``. A row needs only ``text``; ``id``, ``title``, ``outlet``,
``date``, ``time``, ``author`` and ``url`` are read when present and checked
like a reader checks them (:func:`corpuskit.readers.jsonl.record_from_object`:
the same id protocol, a content hash when there is no id, repeats suffixed
``-2``, ``-3``). A row that already has ``provenance`` (a published row, or the
output of an earlier run) continues its provenance. Every other column is the
caller's: it is carried through untouched, beside the published columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from corpuskit.errors import InputError
from corpuskit.publish.schema import BASE_FIELDS, record_from_row
from corpuskit.records import Record

#: Columns a row may hold that become the record's (everything else is carried as is).
RECORD_COLUMNS = frozenset(name for name, _ in BASE_FIELDS) | {"provenance"}
#: Columns a run writes itself: an input column of that name would be overwritten.
WRITTEN_COLUMNS = ("cluster", "removed")
#: Rows per batch read from a table or dataset.
UNIT_ROWS = 256
#: The record key holding a record's input row (the way back to the row's own columns).
ROW = "input_row"


class Data:
    """The input of a run: its records in order, and its extra columns for the way back.

    ``kind`` is ``"rows"`` (texts or dicts; results are lists of dicts),
    ``"table"`` or ``"dataset"``.
    """

    def __init__(self, data: Any, source: str, lines: Sequence[int] | None = None):
        from corpuskit.readers.source import SourceText

        self.source = SourceText(path=source, abspath="", sha256=None, encoding="python", bom=0, lines=[])
        self.data = data
        self.kind, self.batches = _batches(data)
        self.count = 0  # rows read so far
        self.extras: list[dict] = []  # per input row (texts and dicts): its columns that are not record fields
        self.extra_names: list[str] = [n for n in getattr(data, "column_names", []) if n not in RECORD_COLUMNS]
        self._spans: set[tuple] = set()
        self.lines = lines  # the row numbers to cite (0-based; default: the position in ``data``)

    def records(self) -> Iterator[Record]:
        """The records, in input order; each knows its input row (:data:`ROW`)."""
        for batch in self.batches:
            for obj in batch:
                record = self.record(obj, self.count)
                record[ROW] = self.count
                self.count += 1
                yield record

    def record(self, obj: Any, index: int) -> Record:
        """The record of input row ``index`` (its extra columns kept in ``extras``)."""
        from corpuskit.readers.jsonl import record_from_object

        if isinstance(obj, str):
            obj = {"text": obj}
        if not isinstance(obj, Mapping):
            raise InputError(f"expected a text or a dict with 'text', got {type(obj).__name__}",
                             self.source.path, index + 1)
        clash = next((k for k in WRITTEN_COLUMNS if k in obj), None)
        if clash:
            raise InputError(f"column {clash!r} is one the pipeline writes; rename it", self.source.path, index + 1)
        if self.kind == "rows":
            self.extras.append({k: v for k, v in obj.items() if k not in RECORD_COLUMNS})
        if obj.get("provenance") is not None:
            return self._continued(obj, index)
        fields = {k: v for k, v in obj.items() if k in RECORD_COLUMNS}
        raw = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        line = int(self.lines[index]) if self.lines is not None else index
        record = record_from_object(fields, self.source, line, raw, None, None)
        for name, kind in (("language", str), ("language_score", float)):
            value = obj.get(name)
            if value is not None and not isinstance(value, kind):
                raise InputError(f"field {name!r} must be a {kind.__name__} or None", self.source.path, index + 1)
            record[name] = value
        return record

    def _continued(self, obj: Mapping, index: int) -> Record:
        """A row with provenance: the record it was made from, so its provenance goes on."""
        try:
            record = record_from_row(dict(obj))
        except (KeyError, TypeError) as exc:
            raise InputError(f"the row's 'provenance' is not a corpuskit provenance ({exc}); "
                             "remove the column to start a new one", self.source.path, index + 1) from None
        source = record["source"]
        span = (source["path"], source["start_line"], source["start_byte"])
        if span in self._spans:
            raise InputError(f"the row repeats the record of an earlier row (id {record['id']!r}, "
                             f"{source['path']}:{source['start_line']}); remove the repeat",
                             self.source.path, index + 1)
        self._spans.add(span)
        return record

    def result(self, table: pa.Table, at: list[int] | np.ndarray) -> Any:
        """``table`` (published rows of input rows ``at``) with their extra columns, in the input's kind."""
        if self.kind == "rows":
            return [{**row, **self.extras[i]} for row, i in zip(table.to_pylist(), at)]
        names = [n for n in self.extra_names if n not in table.column_names]
        if names:
            taken = self._columns(names, at)
            for name in names:
                table = table.append_column(taken.schema.field(name), taken.column(name))
        if self.kind == "table":
            return table
        import datasets

        features = datasets.Features.from_arrow_schema(table.schema)
        features.update({name: self.data.features[name] for name in names})
        return datasets.Dataset(table, info=datasets.DatasetInfo(features=features))


    def _columns(self, names: list[str], at: list[int] | np.ndarray) -> pa.Table:
        """The input's own columns ``names`` of rows ``at``, with their own types."""
        if self.kind == "table":
            return self.data.select(names).take(pa.array(at, type=pa.int64()))
        columns = self.data.select_columns(names).with_format("arrow")
        return columns[[int(i) for i in at]] if len(at) else columns[:0]


def _batches(data: Any) -> tuple[str, Iterable[Iterable[Any]]]:
    """The kind of ``data`` and its rows in batches (tables are converted a batch at a time)."""
    if isinstance(data, pa.Table):
        return "table", (batch.to_pylist() for batch in data.to_batches(max_chunksize=UNIT_ROWS))
    if type(data).__module__.split(".")[0] == "datasets":
        import datasets

        if not isinstance(data, datasets.Dataset):
            raise InputError(f"expected a datasets.Dataset, not a {type(data).__name__} (a DatasetDict: "
                             "run each split, e.g. ds['train']; an IterableDataset: map the record steps "
                             "with pipeline.map_batch)")
        arrow = data.with_format("arrow")
        return "dataset", (table.to_pylist() for table in arrow.iter(batch_size=UNIT_ROWS))
    if isinstance(data, (str, bytes, Mapping)):
        raise InputError(f"expected texts, dicts, a pyarrow Table or a datasets.Dataset, not a single "
                         f"{type(data).__name__}; wrap it in a list")
    if isinstance(data, Iterable):
        return "rows", [data]
    raise InputError(f"expected texts, dicts, a pyarrow Table or a datasets.Dataset, not {type(data).__name__}")
