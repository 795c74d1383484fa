"""Streaming readers for JSON Lines and digests, as units of work parsed where they are processed.

The reading process only cuts raw bytes: JSON Lines into blocks of whole lines
(:class:`JsonlBlock`), a digest into chunks of about ``DIGEST_CHUNK_BYTES`` cut
at article starts (:class:`DigestChunk`; the parser's own start test,
:func:`~corpuskit.readers.digest.starts_article`, so no article header can
straddle a cut; every chunk holds at least one whole article; only the lines
around a cut are decoded to find it). ``parse()`` decodes and parses
a unit, in a build worker or in-process, with line numbers shifted back to the
file's. Memory is bounded by the unit size plus the longest article, whatever
the file size; records are identical to parsing the whole file at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from corpuskit.errors import InputError
from corpuskit.readers.compression import LineStream, decode_line, split_block
from corpuskit.readers.digest import DigestParser, is_blank, laid_out_shaped, line_date, starts_article
from corpuskit.readers.jsonl import load_json_line, record_from_object, repeated_key
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText
from corpuskit.records import Record

DIGEST_CHUNK_BYTES = 1 << 20  # also the unit of work of a build worker
JSONL_BLOCK_BYTES = 1 << 20

Lines = Iterable[tuple[int, int, bytes]]


Decode = Callable[[bytes, str, int], str]


def read_jsonl_lines(source: SourceText, lines: Lines, on_error: str = "raise",
                     report: Callable[[InputError], None] | None = None,
                     decode: Decode = decode_line, options: ReadOptions = ReadOptions()) -> Iterator[Record]:
    """Records of a JSON Lines stream of (index, start byte, raw bytes).

    ``decode`` turns a line's bytes into text: strict UTF-8 for streamed files,
    the detected encoding for files read whole.
    """
    for index, start, raw in lines:
        if not raw.strip():
            continue
        try:
            obj = load_json_line(decode(raw, source.path, index), source.path, index + 1)
            repeated = repeated_key(obj, options)
            if repeated is not None:
                raise InputError(f"key {options.named(repeated)} appears twice in the object; keep one",
                                 source.path, index + 1)
            yield record_from_object(obj, source, index, raw, start, start + len(raw), options)
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
    in order (:mod:`corpuskit.ids`).
    """

    source: SourceText  # without its lines: only the path and checksum are cited
    first_index: int
    first_offset: int
    data: bytes
    on_error: str = "raise"
    options: ReadOptions = ReadOptions()

    def parse(self) -> tuple[list[Record], list[InputError]]:
        """The block's records, and the errors skipped (``on_error="skip"``; else the first is raised)."""
        errors: list[InputError] = []
        records = list(read_jsonl_lines(self.source, split_block(self.first_index, self.first_offset,
                                                                 self.data),
                                        self.on_error, errors.append, self.source.decode_line,
                                        options=self.options))
        return records, errors


def jsonl_blocks(source: SourceText, stream: LineStream, on_error: str = "raise",
                 block_bytes: int | None = None, options: ReadOptions = ReadOptions()) -> Iterator[JsonlBlock]:
    """A streamed JSON Lines file as :class:`JsonlBlock` s of about ``block_bytes``."""
    for first_index, first_offset, data in stream.blocks(block_bytes or JSONL_BLOCK_BYTES):
        yield JsonlBlock(source, first_index, first_offset, data, on_error, options)


def _shift(error: InputError, lines: int) -> InputError:
    if error.line is None or lines == 0:
        return error
    return InputError(error.reason, error.path, error.line + lines)


def digest_chunks(source: SourceText, stream: LineStream, on_error: str = "raise",
                  chunk_bytes: int | None = None, options: ReadOptions = ReadOptions()) -> Iterator[DigestChunk]:
    """A streamed digest as :class:`DigestChunk` s of about ``chunk_bytes``, cut at article starts.

    A chunk runs from one article start to another, so it holds at least one
    whole article (the first chunk also holds whatever precedes the first
    start), whatever the article lengths. Lines are searched back from the end,
    and only the lines around a start are decoded here; the chunk is decoded and
    parsed by :meth:`DigestChunk.parse`, in whichever process handles it.
    """
    chunk_bytes = chunk_bytes or DIGEST_CHUNK_BYTES
    pieces: list[bytes] = []
    size = 0
    first_index = first_offset = 0
    searched = 0  # pending lines before this one hold no article start but the known one
    known = False  # an article start is known before ``searched`` (the first chunk may have none)
    for index, offset, block in stream.blocks(min(chunk_bytes, 1 << 20)):
        if not pieces:
            first_index, first_offset = index, offset
        pieces.append(block)
        size += len(block)
        if size < chunk_bytes or not block.endswith(b"\n"):
            continue
        data = b"".join(pieces)
        pieces = [data]
        lines = data.split(b"\n")
        lines.pop()  # ``data`` ends with a line end
        start = _StartFinder(lines, source, first_index, options.date_order)
        last = start.last(searched, len(lines) - 3)
        earlier = known or (last is not None and start.last(searched, last) is not None)
        searched = max(searched, len(lines) - 3)
        if last is None or not earlier:  # a chunk must hold a whole article: keep reading
            known = known or last is not None
            continue
        cut = sum(map(len, lines[:last])) + last
        yield DigestChunk(source, first_index, first_offset, data[:cut], on_error, options=options)
        first_index += last
        first_offset += cut
        pieces = [data[cut:]]
        size = len(data) - cut
        searched, known = searched - last, True
    if pieces:
        yield DigestChunk(source, first_index, first_offset, b"".join(pieces), on_error, final=True,
                          options=options)


class _StartFinder:
    """Finds article starts in whole lines of raw bytes, decoding only the lines it looks at."""

    def __init__(self, lines: list[bytes], source: SourceText, first_index: int, date_order: str | None):
        self.lines, self.source, self.first_index, self.date_order = lines, source, first_index, date_order
        self.texts: dict[int, str] = {}

    def text(self, k: int) -> str:
        if k not in self.texts:
            try:
                self.texts[k] = self.source.decode_line(self.lines[k], self.source.path,
                                                        self.first_index + k).rstrip("\r")
            except InputError:
                self.texts[k] = "\ufffd"  # not a header line; the chunk's parse reports the error
        return self.texts[k]

    def last(self, lo: int, hi: int) -> int | None:
        """The last article start in ``lines[lo:hi]`` (its header lines all present), or None."""
        n = len(self.lines)
        for i in range(hi - 1, lo - 1, -1):
            if starts_article(self.blank, self.readable_date, self.shaped, i, n):
                return i
        return None

    def blank(self, k: int) -> bool:
        return is_blank(self.text(k))

    def readable_date(self, k: int) -> bool:
        return isinstance(line_date(self.text(k), self.date_order), tuple)

    def shaped(self, k: int) -> bool:
        return laid_out_shaped(self.text, k)


@dataclass
class DigestChunk:
    """Whole lines of a streamed digest, from one article start to the next chunk's.

    :meth:`parse` decodes and parses them with the same records, spans and
    errors as parsing the whole file, with ids as their base ids (see
    :class:`JsonlBlock`).
    """

    source: SourceText  # without its lines
    first_index: int
    first_offset: int
    data: bytes
    on_error: str = "raise"
    final: bool = False  # the file's last chunk: a final line end is followed by an empty line
    options: ReadOptions = ReadOptions()

    def parse(self) -> tuple[list[Record], list[InputError]]:
        texts: list[str] = []
        starts: list[int] = []
        for index, offset, raw in split_block(self.first_index, self.first_offset, self.data):
            texts.append(self.source.decode_line(raw, self.source.path, index))
            starts.append(offset)
        if self.final and (not self.data or self.data.endswith(b"\n")):
            texts.append("")
            starts.append(self.first_offset + len(self.data))
        errors: list[InputError] = []
        records = list(_parse_chunk(self.source, texts, starts, self.first_index, self.on_error,
                                    errors.append, self.options.date_order))
        return records, errors


def _parse_chunk(source: SourceText, texts: list[str], starts: list[int], first: int,
                 on_error: str, report, date_order: str | None = None) -> Iterator[Record]:
    chunk = SourceText(path=source.path, abspath=source.abspath, sha256=source.sha256,
                       encoding=source.encoding, bom=source.bom, lines=texts, line_starts=starts)
    shifted_report = None
    if report is not None:
        def shifted_report(error: InputError) -> None:
            report(_shift(error, first))
    parser = DigestParser(chunk, on_error=on_error, report=shifted_report, date_order=date_order)
    try:
        for record in parser:
            if first:
                span = record["source"]
                span["start_line"] += first
                span["end_line"] += first
            yield record
    except InputError as error:
        raise _shift(error, first) from None
