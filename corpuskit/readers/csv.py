"""Read CSV: a header row, then one article per record; a ``text`` column is required.

Recognised optional columns: ``id``, ``title``, ``outlet``, ``date``, ``time``,
``author``, ``url`` (an empty cell means null); other columns are ignored.
``[fields]`` / ``--field`` map other column names to these fields
(:mod:`corpuskit.readers.options`); a mapped column must be in the header. A
column that is read must be named once: ``text,text`` is an error. A
quoted field may span lines; provenance cites the record's first and last line
and its byte span. A malformed record raises :class:`~corpuskit.errors.InputError`
naming the file and line (or is reported and skipped with ``on_error="skip"``).
The file is streamed record by record.
"""

from __future__ import annotations

import contextlib
import csv as _csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from corpuskit.errors import InputError
from corpuskit.readers.compression import LineStream, decode_line, split_block
from corpuskit.readers.jsonl import record_from_object
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText
from corpuskit.records import Record

CSV_BLOCK_BYTES = 1 << 20  # bytes per unit of work of a streamed file


def _records(lines: Iterable[tuple[int, int, bytes]], shown: str, decode=decode_line,
             encoding: str = "utf-8") -> Iterator[tuple[int, int, int, bytes, str]]:
    """Group physical lines into CSV records: (first, last, start_byte, raw, text)."""
    newline, quote = "\n".encode(encoding), '"'.encode(encoding)
    parts: list[bytes] = []
    first = start = 0
    quotes = 0
    for index, offset, raw in lines:
        if not parts:
            first, start = index, offset
        parts.append(raw)
        quotes += raw.count(quote)
        if quotes % 2 == 0:
            joined = newline.join(parts)
            text = "\n".join(decode(part, shown, first + k) for k, part in enumerate(parts))
            yield first, index, start, joined, text
            parts, quotes = [], 0
    if parts and b"".join(parts).strip():
        raise InputError("unterminated quoted field at the end of the file; close the quote",
                         shown, first + 1)


#: The longest CSV record read (characters): far above any article, low enough that a quote
#: left open, which swallows the lines after it into one field, is refused at its line.
MAX_RECORD_CHARS = 16 * 1024 * 1024


def _parse(text: str, shown: str, line: int) -> list[str]:
    if len(text) > MAX_RECORD_CHARS:
        raise InputError(f"CSV record of {len(text):,} characters, more than the {MAX_RECORD_CHARS:,} "
                         "read; is a quote left open? (it takes the lines after it into one field)", shown, line)
    try:
        with _field_limit(len(text)):
            rows = list(_csv.reader([text], strict=True))
    except _csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", shown, line) from None
    if len(rows) != 1:
        raise InputError("malformed CSV (more than one record on the line)", shown, line)
    return rows[0]


@contextlib.contextmanager
def _field_limit(chars: int):
    """Let the csv module read a field of up to ``chars`` (its own limit is 128 KiB, below some
    articles); the module-wide limit is raised only while such a record is parsed."""
    if chars <= _csv.field_size_limit():
        yield
        return
    previous = _csv.field_size_limit(chars)
    try:
        yield
    finally:
        _csv.field_size_limit(previous)


def _header(values: list[str], shown: str, line: int, options: ReadOptions) -> list[str]:
    header = [name.strip() for name in values]
    check_columns(header, options, shown, line, "in the header row")
    return header


def check_columns(names: list[str], options: ReadOptions, shown: str, line: int | None, where: str) -> None:
    """Every column a record field is read from is present once in ``names`` (CSV, Parquet)."""
    found = ", ".join(names) or "nothing"
    text = options.column("text")
    if text not in names:
        hint = ("map the body column with --field text=COLUMN or [fields] text = \"COLUMN\""
                if text == "text" else "check the field mapping")
        raise InputError(f"no {options.named(text)} column {where} (found: {found}); {hint}", shown, line)
    for field, column in options.fields:
        if column not in names:
            raise InputError(f"no {options.named(column)} column {where} (found: {found}); "
                             "check the field mapping", shown, line)
    for column in options.columns().values():
        if names.count(column) > 1:
            places = [str(i + 1) for i, name in enumerate(names) if name == column]
            raise InputError(f"column {options.named(column)} appears {len(places)} times {where} "
                             f"(columns {', '.join(places)}); rename or remove the extra ones", shown, line)


def _used(header: list[str], options: ReadOptions) -> list[tuple[int, str]]:
    """(position, name) of the columns read into records."""
    used = set(options.columns().values())
    return [(i, name) for i, name in enumerate(header) if name in used]


def read_csv(source: SourceText, lines: Iterable[tuple[int, int, bytes]], on_error: str = "raise",
             report: Callable[[InputError], None] | None = None, decode=decode_line,
             encoding: str = "utf-8", header: list[str] | None = None,
             options: ReadOptions = ReadOptions()) -> Iterator[Record]:
    """Records of a CSV stream of (index, start byte, raw bytes); ``text`` column required.

    ``decode``/``encoding``: strict UTF-8 for streamed files, the detected
    encoding for files read whole. ``header``: the header row when ``lines``
    start after it (a :class:`CsvBlock`).
    """
    columns = _used(header, options) if header else []
    text_column = options.column("text")
    for first, last, start, raw, text in _records(lines, source.path, decode, encoding):
        if not text.strip():
            continue
        try:
            values = _parse(text, source.path, first + 1)
            if header is None:
                header = _header(values, source.path, first + 1, options)
                columns = _used(header, options)
                continue
            if len(values) != len(header):
                raise InputError(f"row has {len(values)} fields but the header has {len(header)}; "
                                 "quote fields that contain commas", source.path, first + 1)
            obj = {name: (values[i] if values[i] != "" or name == text_column else None)
                   for i, name in columns}
            record = record_from_object(obj, source, first, raw, start, start + len(raw), options)
            record["source"]["end_line"] = last + 1
            yield record
        except InputError as error:
            if on_error == "raise" or header is None:
                raise
            (report or (lambda e: None))(error)


@dataclass
class CsvBlock:
    """Whole CSV records of a streamed file after its header row, parsed where they are processed
    (same records, spans and errors as :func:`read_csv` on the whole stream)."""

    source: SourceText  # without its lines
    first_index: int
    first_offset: int
    data: bytes
    header: list[str]
    on_error: str = "raise"
    options: ReadOptions = ReadOptions()

    def parse(self) -> tuple[list[Record], list[InputError]]:
        errors: list[InputError] = []
        lines = split_block(self.first_index, self.first_offset, self.data)
        records = list(read_csv(self.source, lines, self.on_error, errors.append,
                                decode=self.source.decode_line, header=self.header, options=self.options))
        return records, errors


def csv_blocks(source: SourceText, stream: LineStream, on_error: str = "raise",
               block_bytes: int | None = None, options: ReadOptions = ReadOptions()) -> Iterator[CsvBlock]:
    """A streamed CSV file as :class:`CsvBlock` s of about ``block_bytes``.

    Here only the header row is parsed; a block is cut at a line end where the
    quotes seen so far are balanced, which is a record end (a quoted field
    holds its quotes doubled).
    """
    header: list[str] | None = None
    pieces: list[bytes] = []
    quotes = 0
    first_index = first_offset = 0
    blocks = stream.blocks(block_bytes or CSV_BLOCK_BYTES)
    for index, offset, block in itertools.chain(blocks, [(None, None, None)]):
        if block is not None:
            if not pieces:
                first_index, first_offset = index, offset
            pieces.append(block)
            quotes += block.count(b'"')
            if quotes % 2 or not block.endswith(b"\n"):
                continue  # inside a quoted field, or the last line so far is not whole
        elif not pieces:
            return
        data = b"".join(pieces)
        pieces, quotes = [], 0
        if header is None:
            header, rest, skipped = _header_of(source, data, first_index, options)
            first_index += skipped
            first_offset += len(data) - len(rest)
            data = rest
            if header is None or not data:
                continue
        yield CsvBlock(source, first_index, first_offset, data, header, on_error, options)


def _header_of(source: SourceText, data: bytes, first_index: int,
               options: ReadOptions) -> tuple[list[str] | None, bytes, int]:
    """The header row at the start of ``data``: (header, the bytes after it, lines it took)."""
    offset = 0
    for first, last, start, raw, text in _records(split_block(first_index, 0, data), source.path,
                                                  source.decode_line):
        offset = start + len(raw) + 1
        if text.strip():
            return _header(_parse(text, source.path, first + 1), source.path, first + 1, options), \
                data[offset:], last + 1 - first_index
    return None, b"", data.count(b"\n")
