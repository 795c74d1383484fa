"""Readers: turn input files, folders and globs into article records.

Formats are chosen by file name, after an optional compression suffix
(``.gz``; ``.zst``/``.zstd`` with the ``zstd`` extra):

=====================  ==========================================================
``.jsonl`` ``.ndjson``  JSON Lines, one article object per line (streamed)
``.csv``                CSV with a header row and a ``text`` column (streamed)
``.parquet``            Parquet with a ``text`` column (streamed in record batches;
                        not compressible further)
anything else           press digest (``.txt``; streamed in chunks cut at article starts)
=====================  ==========================================================

Sources are read in sorted path order, so the record order, and everything
built from it, is stable. Plain UTF-8 files are streamed: a first pass computes
the checksum and checks the encoding, the second reads blocks of whole lines
(whole records for CSV, whole articles for digests) that are parsed where they
are processed, so memory does not grow with the file. Other plain files are
read whole; compressed ones are streamed in the encoding chosen from their first
bytes. The encoding is declared (``encodings``: an
:class:`~corpuskit.readers.decoding.EncodingPlan`) or decided by
:mod:`corpuskit.readers.decoding`, which refuses rather than guesses.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Callable, Iterable, Iterator

from corpuskit.errors import InputError
from corpuskit.ids import IdCounter
from corpuskit.readers.compression import (LineStream, compression_of, file_sha256, sample_decoding,
                                           scan_plain, strip_compression)
from corpuskit.readers.decoding import Decoding, EncodingPlan
from corpuskit.readers.csv import CsvBlock, csv_blocks, read_csv
from corpuskit.readers.digest import read_digest
from corpuskit.readers.jsonl import read_jsonl
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.parquet import read_parquet
from corpuskit.readers.source import SourceText, cite_path, load_source
from corpuskit.readers.streaming import DigestChunk, JsonlBlock, digest_chunks, jsonl_blocks
from corpuskit.records import Record

_JSONL = (".jsonl", ".ndjson")
_PLAIN_SUFFIXES = (".txt", ".text", ".digest", ".csv") + _JSONL
_COMPRESSED_SUFFIXES = tuple(base + comp for base in _PLAIN_SUFFIXES for comp in (".gz", ".zst", ".zstd"))
_INPUT_SUFFIXES = _PLAIN_SUFFIXES + _COMPRESSED_SUFFIXES + (".parquet",)


def detect_format(path: str) -> str:
    """``jsonl``, ``csv``, ``parquet`` or ``digest``, from the file name.

    >>> detect_format("a.jsonl.gz"), detect_format("b.CSV"), detect_format("c.parquet"), detect_format("d.txt")
    ('jsonl', 'csv', 'parquet', 'digest')
    """
    lower = strip_compression(path.lower())
    if lower.endswith(_JSONL):
        return "jsonl"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".parquet"):
        return "parquet"
    return "digest"


def _regular_file(path: str, root: str | None) -> str:
    """``path`` if it is a regular file (after links); FIFOs, sockets and devices are refused
    by their ``stat``, before anything opens them (opening a FIFO would wait forever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror}); check the path", cite_path(path, root)) from None
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise InputError(f"is {kind}, not a regular file; give files, folders or globs of files",
                         cite_path(path, root))
    return path


def expand_inputs(inputs: Iterable[str], root: str | None = None) -> list[str]:
    """Expand files, folders (recursively) and globs into a sorted list of regular files."""
    files: list[str] = []
    for item in inputs:
        path = item if root is None or os.path.isabs(item) else os.path.join(root, item)
        if os.path.isdir(path):
            found = [
                os.path.join(d, f)
                for d, _, names in os.walk(path)
                for f in names
                if not f.startswith(".") and f.lower().endswith(_INPUT_SUFFIXES)
            ]
            if not found:
                raise InputError("folder holds no .txt, .jsonl, .csv or .parquet files",
                                 cite_path(path, root))
            files.extend(sorted(found))
        elif any(ch in item for ch in "*?["):
            matched = sorted(p for p in glob.glob(path, recursive=True) if not os.path.isdir(p))
            if not matched:
                raise InputError("pattern matches no files", item)
            files.extend(matched)
        elif os.path.exists(path):
            files.append(path)
        else:
            raise InputError("no such file or folder; check the path", cite_path(path, root))
    unique = sorted(dict.fromkeys(os.path.abspath(_regular_file(f, root)) for f in files))
    return unique


BATCH_SIZE = 256  # records per unit of work for formats parsed in the reading process
BLOCKS = (JsonlBlock, CsvBlock, DigestChunk)  # units of raw lines, parsed where they are processed


class Reader:
    """Read all inputs in order, giving repeated content ids a ``-2``, ``-3`` suffix.

    ``sources`` lists the sources read so far; ``bytes_read`` is how far into
    the inputs (bytes on disk) reading has got, for progress display.
    """

    def __init__(self, files: list[str], root: str | None = None, on_error: str = "raise",
                 report: Callable[[InputError], None] | None = None,
                 encodings: EncodingPlan | None = None, options: ReadOptions = ReadOptions()):
        self.files = files
        self.options = options
        self.root = root
        self.encodings = encodings or EncodingPlan()
        self.on_error = on_error
        self.report = report
        self.sources: list[SourceText] = []
        self.skipped: list[InputError] = []
        self._finished_bytes = 0
        self._position: Callable[[], int] = lambda: 0

    @property
    def bytes_read(self) -> int:
        return self._finished_bytes + self._position()

    def report_skipped(self, error: InputError) -> None:
        """Record (and report) an error skipped with ``on_error="skip"``."""
        self.skipped.append(error)
        if self.report:
            self.report(error)

    def __iter__(self) -> Iterator[Record]:
        ids = IdCounter()
        for unit in self.units():
            if not isinstance(unit, list):  # a block parsed by whoever processes it
                records, errors = unit.parse()
                for error in errors:
                    self.report_skipped(error)
            else:
                records = unit
            for record in records:
                record["id"] = ids.final(record["id"])
                yield record

    def units(self, batch_size: int = BATCH_SIZE) -> Iterator[list[Record] | JsonlBlock | CsvBlock
                                                                 | DigestChunk]:
        """The inputs as units of work, in order: lists of at most ``batch_size`` records, or
        blocks of raw lines that whoever processes the unit parses (``parse()``):
        :class:`~corpuskit.readers.streaming.JsonlBlock` for streamed JSON Lines,
        :class:`~corpuskit.readers.csv.CsvBlock` for streamed CSV,
        :class:`~corpuskit.readers.streaming.DigestChunk` for streamed digests.

        Records carry their *base* ids: the caller gives repeats their suffix, in
        input order, with an :class:`~corpuskit.ids.IdCounter` (iterating the reader does).
        """
        for path in self.files:
            batch: list[Record] = []
            for item in self._read(path):
                if isinstance(item, BLOCKS):
                    yield item
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch
            self._finished_bytes += os.path.getsize(path)
            self._position = lambda: 0

    def _read(self, path: str) -> Iterator[Record]:
        shown = cite_path(path, self.root)
        fmt = detect_format(path)
        compression = compression_of(path)
        if fmt == "parquet":
            source = SourceText(path=shown, abspath=os.path.abspath(path),
                                sha256=file_sha256(path, shown), encoding="parquet", bom=0,
                                lines=[], chosen_by="format")
            self.sources.append(source)
            size = os.path.getsize(path)
            rows = [0]
            total = [0]

            def started(count: int) -> None:
                total[0] = count

            self._position = lambda: size * rows[0] // max(total[0], 1)
            yield from read_parquet(source, on_error=self.on_error, report=self.report_skipped,
                                    progress=lambda n: rows.__setitem__(0, n), started=started,
                                    options=self.options)
            self._position = lambda: size
            return
        declared = self.encodings.declared(path)
        if compression is None:
            sha256, streamable, bom = scan_plain(path, shown)
            if not streamable or declared not in (None, "utf-8"):
                yield from self._read_whole(path, fmt, declared)
                return
            decoding = Decoding("utf-8", "declared" if declared else "bom" if bom else "utf-8", bom)
        else:
            sha256, decoding = file_sha256(path, shown), sample_decoding(path, shown, compression,
                                                                         declared)
        source = SourceText(path=shown, abspath=os.path.abspath(path), sha256=sha256,
                            encoding=decoding.encoding, bom=decoding.bom, lines=[],
                            chosen_by=decoding.chosen_by, confidence=decoding.confidence)
        self.sources.append(source)
        stream = LineStream(path, shown, compression,
                            check_escapes=compression is not None and decoding.chosen_by != "escape sequences")
        self._position = stream.position
        try:
            if fmt == "jsonl":
                yield from jsonl_blocks(source, stream, self.on_error, options=self.options)
            elif fmt == "csv":
                yield from csv_blocks(source, stream, self.on_error, options=self.options)
            else:
                yield from digest_chunks(source, stream, self.on_error, options=self.options)
            if stream.empty:
                raise InputError("file is empty; remove it from the inputs or add articles", shown)
        finally:
            stream.close()

    def _read_whole(self, path: str, fmt: str, declared: str | None) -> Iterator[Record]:
        """A file that is not plain UTF-8 (or declared otherwise): read it whole and decode it."""
        source = load_source(path, self.root, declared)
        self.sources.append(source)
        size = os.path.getsize(path)
        self._position = lambda: size
        if fmt == "jsonl":
            yield from read_jsonl(source, on_error=self.on_error, report=self.report_skipped,
                                  options=self.options)
        elif fmt == "csv":
            yield from read_csv(source, source.numbered_lines(), self.on_error, self.report_skipped,
                                decode=source.decode_line, encoding=source.encoding, options=self.options)
        else:
            yield from read_digest(source, on_error=self.on_error, report=self.report_skipped,
                                   date_order=self.options.date_order)


def read_records(inputs: Iterable[str], root: str | None = None, on_error: str = "raise",
                 encodings: EncodingPlan | None = None,
                 options: ReadOptions = ReadOptions()) -> Iterator[Record]:
    """Convenience: all records of ``inputs`` in order."""
    yield from Reader(expand_inputs(inputs, root), root=root, on_error=on_error, encodings=encodings,
                      options=options)


__all__ = ["DigestChunk", "IdCounter", "JsonlBlock", "ReadOptions", "Reader", "detect_format", "expand_inputs",
           "read_records"]
