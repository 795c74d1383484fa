"""Read CSV: a header row, then one article per record; a ``text`` column is required.

Recognised optional columns: ``id``, ``title``, ``outlet``, ``date``, ``time``,
``author``, ``url`` (an empty cell means null); other columns are ignored. A
quoted field may span lines; provenance cites the record's first and last line
and its byte span. A malformed record raises :class:`~corpuskit.errors.InputError`
naming the file and line (or is reported and skipped with ``on_error="skip"``).
The file is streamed record by record.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Callable, Iterable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.compression import decode_line
from corpuskit.readers.jsonl import record_from_object
from corpuskit.readers.source import SourceText
from corpuskit.records import Record

_KNOWN = ("id", "title", "outlet", "date", "time", "author", "url", "text")


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


def _parse(text: str, shown: str, line: int) -> list[str]:
    try:
        rows = list(_csv.reader([text], strict=True))
    except _csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", shown, line) from None
    if len(rows) != 1:
        raise InputError("malformed CSV (more than one record on the line)", shown, line)
    return rows[0]


def read_csv(source: SourceText, lines: Iterable[tuple[int, int, bytes]], on_error: str = "raise",
             report: Callable[[InputError], None] | None = None, decode=decode_line,
             encoding: str = "utf-8") -> Iterator[Record]:
    """Records of a CSV stream of (index, start byte, raw bytes); ``text`` column required.

    ``decode``/``encoding``: strict UTF-8 for streamed files, the detected
    encoding for files read whole.
    """
    header: list[str] | None = None
    columns: list[tuple[int, str]] = []
    for first, last, start, raw, text in _records(lines, source.path, decode, encoding):
        if not text.strip():
            continue
        try:
            values = _parse(text, source.path, first + 1)
            if header is None:
                header = [name.strip() for name in values]
                if "text" not in header:
                    raise InputError(
                        "no 'text' column in the header row; name the article body column "
                        f"'text' (found: {', '.join(header) or 'nothing'})", source.path, first + 1)
                columns = [(i, name) for i, name in enumerate(header) if name in _KNOWN]
                continue
            if len(values) != len(header):
                raise InputError(f"row has {len(values)} fields but the header has {len(header)}; "
                                 "quote fields that contain commas", source.path, first + 1)
            obj = {name: (values[i] if values[i] != "" or name == "text" else None)
                   for i, name in columns}
            record = record_from_object(obj, source, first, raw, start, start + len(raw))
            record["source"]["end_line"] = last + 1
            yield record
        except InputError as error:
            if on_error == "raise" or header is None:
                raise
            (report or (lambda e: None))(error)
