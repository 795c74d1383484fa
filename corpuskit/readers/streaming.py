"""Streaming readers for JSON Lines and digests: one line or one article block at a time.

JSON Lines are parsed line by line. A digest is cut into chunks of about
``DIGEST_CHUNK_BYTES`` at article starts (a line after a blank line, followed
by a blank line, an outlet line and a date line: the same test the digest
parser uses, and no article header can straddle such a cut), and each chunk is
handed to :class:`~corpuskit.readers.digest.DigestParser` with its line numbers
shifted back to the file's. Memory is bounded by the chunk size plus the
longest article, whatever the file size; records are identical to parsing the
whole file at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from corpuskit.errors import InputError
from corpuskit.readers.compression import decode_line, split_block
from corpuskit.readers.digest import DigestParser, _clean, is_blank, parse_date
from corpuskit.readers.jsonl import record_from_object
from corpuskit.readers.source import SourceText
from corpuskit.records import Record

DIGEST_CHUNK_BYTES = 4 << 20

Lines = Iterable[tuple[int, int, bytes]]


Decode = Callable[[bytes, str, int], str]


def read_jsonl_lines(source: SourceText, lines: Lines, on_error: str = "raise",
                     report: Callable[[InputError], None] | None = None,
                     decode: Decode = decode_line) -> Iterator[Record]:
    """Records of a JSON Lines stream of (index, start byte, raw bytes).

    ``decode`` turns a line's bytes into text: strict UTF-8 for streamed files,
    the detected encoding for files read whole.
    """
    for index, start, raw in lines:
        if not raw.strip():
            continue
        try:
            line = decode(raw, source.path, index)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno}); fix or remove the line",
                                 source.path, index + 1) from None
            yield record_from_object(obj, source, index, raw, start, start + len(raw))
        except InputError as error:
            if on_error == "raise":
                raise
            (report or (lambda e: None))(error)


@dataclass
class JsonlBlock:
    """A block of whole JSON Lines, parsed where it is processed (in a build worker).

    The parent only reads bytes and cuts them at line ends
    (:meth:`~corpuskit.readers.compression.LineStream.blocks`); decoding, JSON
    parsing and validation run in :meth:`parse`, with the same records, spans
    and errors as :func:`read_jsonl_lines` on the same lines. Ids are the base
    ids: repeats get their ``-2`` suffix from the caller, who sees all blocks
    in order (:class:`~corpuskit.readers.IdCounter`).
    """

    source: SourceText  # without its lines: only the path and checksum are cited
    first_index: int
    first_offset: int
    data: bytes
    on_error: str = "raise"

    def parse(self) -> tuple[list[Record], list[InputError]]:
        """The block's records, and the errors skipped (``on_error="skip"``; else the first is raised)."""
        errors: list[InputError] = []
        records = list(read_jsonl_lines(self.source, split_block(self.first_index, self.first_offset,
                                                                 self.data),
                                        self.on_error, errors.append))
        return records, errors


def _shift(error: InputError, lines: int) -> InputError:
    if error.line is None or lines == 0:
        return error
    return InputError(error.reason, error.path, error.line + lines)


def _is_date(text: str) -> bool:
    text = text.rstrip("\r")
    return not is_blank(text) and len(text) <= 60 and parse_date(_clean(text)) is not None


def _cut(texts: list[str], blank: list[bool]) -> int | None:
    """Index of the last article start that leaves its header whole, or None."""
    for k in range(len(texts) - 4, 0, -1):
        if (blank[k - 1] and not blank[k] and blank[k + 1] and not blank[k + 2]
                and _is_date(texts[k + 3])):
            return k
    return None


def read_digest_lines(source: SourceText, lines: Lines, on_error: str = "raise",
                      report: Callable[[InputError], None] | None = None,
                      chunk_bytes: int = DIGEST_CHUNK_BYTES) -> Iterator[Record]:
    """Same records as :func:`corpuskit.readers.digest.read_digest`, chunk by chunk."""
    texts: list[str] = []
    starts: list[int] = []
    blank: list[bool] = []
    first = 0  # file line index of texts[0]
    size = 0
    since_cut = 0
    for index, start, raw in lines:
        text = decode_line(raw, source.path, index)
        texts.append(text)
        starts.append(start)
        blank.append(is_blank(text.rstrip("\r")))
        size += len(raw)
        since_cut += len(raw)
        if size >= chunk_bytes and since_cut >= chunk_bytes // 4:
            since_cut = 0
            k = _cut(texts, blank)
            if k is None:
                continue
            yield from _parse_chunk(source, texts[:k], starts[:k], first, on_error, report)
            first += k
            texts, starts, blank = texts[k:], starts[k:], blank[k:]
            size = sum(len(t) for t in texts)
    if texts:
        yield from _parse_chunk(source, texts, starts, first, on_error, report)


def _parse_chunk(source: SourceText, texts: list[str], starts: list[int], first: int,
                 on_error: str, report) -> Iterator[Record]:
    chunk = SourceText(path=source.path, abspath=source.abspath, sha256=source.sha256,
                       encoding=source.encoding, bom=source.bom, lines=texts, line_starts=starts)
    shifted_report = None
    if report is not None:
        def shifted_report(error: InputError) -> None:
            report(_shift(error, first))
    parser = DigestParser(chunk, on_error=on_error, report=shifted_report)
    try:
        for record in parser:
            if first:
                span = record["source"]
                span["start_line"] += first
                span["end_line"] += first
            yield record
    except InputError as error:
        raise _shift(error, first) from None
