"""Provenance checks: every record (kept or removed) can be traced to its source bytes.

``provenance.sources``  each cited source file exists under the project root and its
                        sha256 matches the record and the manifest's inputs (a source
                        that is not shipped but is recorded by sha256 is a warning)
``provenance.spans``    each line span (1-based, inclusive) and byte span is inside the
                        file, the two agree, the span holds the record's title (after the
                        pipeline's normalisation), and a content-hash id hashes the span
``provenance.merged``   each merged copy's span is valid the same way, and the copy is
                        in the ``removed`` config as a duplicate of the record that holds it
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit._check.scan import RecordScan, WholeCheck, scanned
from corpuskit.errors import CorpuskitError
from corpuskit.publish.schema import SOURCE_KEYS

#: Sources decoded whole kept at once (rows cite their sources in input order).
WHOLE_KEPT = 4
#: Bytes of a streamed source read at once for the spans of a batch (see :class:`_FileBytes`).
WINDOW = 1 << 20
_SPAN_KEYS = tuple(column for column, _ in SOURCE_KEYS)
_HEX_ID = re.compile(r"^([0-9a-f]{16})(?:-\d+)?$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class _Source:
    path: str | None  # absolute path found, or None
    sha256: str | None
    text: object = None  # corpuskit.readers.source.SourceText
    data: bytes = b""
    error: str | None = None


class _FileBytes:
    """A file's bytes, read from disk when sliced (``data[start:end]``, ``len(data)``).

    Within the stretch announced by :meth:`read_ahead` (the bytes a batch of rows cites),
    a slice is cut from a window of up to :data:`WINDOW` bytes read from its start on: the
    rows that follow in the stretch are cut from it too. Any other slice is read alone.
    One handle is kept open: opening, seeking and reading the file for each row cost
    ~7 µs a row of ``provenance.spans``."""

    def __init__(self, path: str, size: int):
        self.path = path
        self.size = size
        self._handle = None
        self._stretch = (0, 0)  # the bytes announced as to be read next
        self._window: tuple[int, bytes] = (0, b"")  # (offset, bytes) read ahead

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, span: slice) -> bytes:
        start, end, _ = span.indices(self.size)
        offset, window = self._window
        if not (offset <= start and end <= offset + len(window)):
            first, last = self._stretch
            if not first <= start < end <= last:
                return self._read(start, end)
            self._window = (start, b"")  # the old window goes before the new one is read
            offset, window = self._window = (start, self._read(start, min(last, start + max(WINDOW, end - start))))
        return window[start - offset:end - offset]

    def read_ahead(self, start: int, end: int) -> None:
        """Announce that slices of bytes ``start`` to ``end`` follow (a cache only: a slice
        outside them is read from the file as before)."""
        self._stretch, self._window = (start, end), (0, b"")

    def _read(self, start: int, end: int) -> bytes:
        if self._handle is None:
            self._handle = open(self.path, "rb")
        self._handle.seek(start)
        return self._handle.read(max(0, end - start))

    def __del__(self) -> None:
        if self._handle is not None:
            self._handle.close()


class _StreamedText:
    """The lines of a plain UTF-8 source as a :class:`~corpuskit.readers.source.SourceText`
    cites them (``lines`` split on ``\\n``, ``byte_span``), holding only the byte offset
    of each line (8 bytes a line); lines are read back from the file when sliced."""

    def __init__(self, path: str, bom: int, size: int):
        import numpy as np

        self.data = _FileBytes(path, size)
        starts = [np.array([bom], dtype=np.int64)]
        with open(path, "rb") as handle:
            offset = 0
            for chunk in iter(lambda: handle.read(1 << 22), b""):
                ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                starts.append(ends.astype(np.int64) + (offset + 1))
                offset += len(chunk)
        self.starts = np.concatenate(starts)
        self.lines = _Lines(self)

    def end(self, line: int) -> int:
        """Byte offset just past line ``line`` (without its ``\\n``)."""
        return int(self.starts[line + 1]) - 1 if line + 1 < len(self.starts) else self.data.size

    def byte_span(self, first: int, last: int) -> tuple[int, int]:
        return int(self.starts[first]), self.end(last)


class _Lines:
    """``len(lines)`` and ``lines[a:b]`` of a :class:`_StreamedText`, read from the file."""

    def __init__(self, text: _StreamedText):
        self.text = text
        self._last: tuple = (None, "")  # the lines read last: (first, stop), their text

    def __len__(self) -> int:
        return len(self.text.starts)

    def __getitem__(self, span: slice) -> list[str]:
        first, stop, _ = span.indices(len(self))
        return self.joined(first, stop).split("\n") if first < stop else []

    def joined(self, first: int, stop: int) -> str:
        """``"\\n".join(lines[first:stop])`` (for ``0 <= first < stop <= len``): the lines' bytes
        decoded, which is what joining them back gives, without splitting and joining."""
        if self._last[0] != (first, stop):  # a span's checks ask for its lines more than once
            raw = self.text.data[int(self.text.starts[first]):self.text.end(stop - 1)]
            self._last = ((first, stop), raw.decode("utf-8"))
        return self._last[1]


def _joined(lines, first: int, stop: int) -> str:
    """``"\\n".join(lines[first:stop])``, of a streamed source's lines without splitting them."""
    if isinstance(lines, _Lines) and 0 <= first < stop <= len(lines):
        return lines.joined(first, stop)
    return "\n".join(lines[first:stop])


class _Sources:
    """Cited sources, each read and hashed once. A plain UTF-8 file (what the build streams)
    is kept as the offsets of its lines and read back span by span; any other file is
    decoded whole, and only the last :data:`WHOLE_KEPT` of those are kept."""

    @classmethod
    def of(cls, folder: VersionFolder) -> "_Sources":
        """The folder's cited sources in this process, shared by its checks: a source is
        hashed and its lines indexed once, not once per check citing it (sources, merged
        and spans on the same worker each read every source again: ~0.15 CPU-s a pass over
        a 68 MB source)."""
        sources = folder.shared.get(cls)
        if sources is None:
            sources = folder.shared[cls] = cls(folder)
        return sources

    def __init__(self, folder: VersionFolder):
        self.folder = folder
        self._cache: dict[str, _Source] = {}
        self._whole_kept: list[str] = []  # sources held whole, oldest first
        inputs = folder.manifest.get("inputs")
        self.recorded = {i.get("path"): i.get("sha256") for i in inputs or [] if isinstance(i, dict)}
        # read a source in the encoding the build read it in
        self.encodings = {i.get("path"): i.get("encoding") for i in inputs or []
                          if isinstance(i, dict) and isinstance(i.get("encoding"), str)}

    def locate(self, cited: str) -> str | None:
        candidates = [cited] if os.path.isabs(cited) else [
            os.path.join(self.folder.root, cited), os.path.join(os.getcwd(), cited)]
        return next((c for c in candidates if os.path.isfile(c)), None)

    def get(self, cited: str) -> _Source:
        source = self._cache.get(cited)
        if source is None:
            path = self.locate(cited)
            source = _Source(None, None) if path is None else (self._streamed(path, cited)
                                                               or self._whole(path, cited))
            if isinstance(source.data, bytes) and source.data:  # held whole: keep only the last few
                self._whole_kept.append(cited)
                if len(self._whole_kept) > WHOLE_KEPT:
                    del self._cache[self._whole_kept.pop(0)]
            self._cache[cited] = source
        return source

    def _streamed(self, path: str, cited: str) -> _Source | None:
        """A plain UTF-8 file, as the build streams it (the reader's own test), cited without
        holding it; None for any other file."""
        from corpuskit.readers.compression import compression_of, scan_plain

        if compression_of(path) is not None or self._encoding(cited) not in (None, "utf-8"):
            return None
        try:
            sha256, streamable, bom = scan_plain(path, cited)
        except CorpuskitError:
            return None  # read whole below, which reports the problem
        if not streamable:
            return None
        text = _StreamedText(path, bom, os.path.getsize(path))
        return _Source(path, sha256, text=text, data=text.data)

    def _whole(self, path: str, cited: str) -> _Source:
        from corpuskit.readers.source import load_source

        with open(path, "rb") as handle:
            data = handle.read()
        source = _Source(path, hashlib.sha256(data).hexdigest(), data=data)
        try:
            source.text = load_source(path, self.folder.root, self._encoding(cited))
        except CorpuskitError as exc:
            source.error = str(exc)
        return source

    def _encoding(self, cited: str) -> str | None:
        from corpuskit.readers.decoding import codec_name

        try:
            return codec_name(self.encodings.get(cited), "manifest")
        except CorpuskitError:  # none recorded (or "parquet"): decide from the bytes
            return None


_SPAN = tuple(f"provenance.{column}" for column, _ in SOURCE_KEYS)


def _rows(folder: VersionFolder, columns) -> Iterator[tuple[str, dict]]:
    """``(config, row)`` of every row of every config, streamed in batches (only ``columns``)."""
    for name in folder.config_names():
        for batch in folder.batches(name, columns):
            for row in batch:
                yield name, row


def check_sources(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _SourcesCheck)


def sources_check(folder: VersionFolder) -> CheckResult:
    """The ``provenance.sources`` check (see the module's docstring)."""
    result = CheckResult("provenance.sources")
    sources = _Sources.of(folder)
    cited: dict[tuple[str, str], list] = {}  # (path, sha256) -> [first id citing it, citations]
    columns = ("id", "provenance.source_path", "provenance.source_sha256", "provenance.merged")
    for _, row in _rows(folder, columns):
        prov = row.get("provenance") or {}
        spans = [(row.get("id"), prov)] + [(m.get("id"), m) for m in prov.get("merged") or []]
        for rid, span in spans:
            seen = cited.setdefault((str(span.get("source_path")), str(span.get("source_sha256"))), [str(rid), 0])
            seen[1] += 1
    for (path, sha), (first, count) in sorted(cited.items()):
        result.checked += 1
        who = first + (f" (+{count - 1} more)" if count > 1 else "")
        source = sources.get(path)
        if source.path is None:
            if _SHA256.match(sha) and sources.recorded.get(path) == sha:
                result.warn(who, f"source {path} not shipped (recorded as sha256 {sha[:12]}…); "
                                 "its spans cannot be verified")
            else:
                result.fail(who, f"source {path} not found under {folder.root} and not recorded by sha256")
            continue
        if source.error:
            result.warn(who, f"source {path} cannot be read as text ({source.error}); "
                             "its spans cannot be verified")
        if source.sha256 != sha:
            result.fail(who, f"source {path} has sha256 {source.sha256[:12]}…, record cites {sha[:12]}…")
        elif path in sources.recorded and sources.recorded[path] != sha:
            result.fail(path, f"manifest inputs record sha256 {str(sources.recorded[path])[:12]}…, "
                              f"records cite {sha[:12]}…")
        elif path not in sources.recorded:
            result.fail(who, f"source {path} is not among the manifest's inputs")
    result.summary = (f"{result.checked} cited source(s) present with matching sha256" if not result.problems
                      else f"{len(result.problems)} source problem(s)")
    return result


def _span_problem(source: _Source, span: dict, rid: str) -> str | None:
    """Why a cited span is invalid, or None."""
    text = source.text
    try:
        start_line, end_line = int(span["start_line"]), int(span["end_line"])
        start_byte, end_byte = int(span["start_byte"]), int(span["end_byte"])
    except (KeyError, TypeError, ValueError):
        return "span is incomplete"
    if not 1 <= start_line <= end_line <= len(text.lines):
        return f"line span {start_line}-{end_line} outside the file's {len(text.lines)} lines"
    if not 0 <= start_byte < end_byte <= len(source.data):
        return f"byte span {start_byte}-{end_byte} outside the file's {len(source.data)} bytes"
    expected = text.byte_span(start_line - 1, end_line - 1)
    if (start_byte, end_byte) != expected:
        return (f"byte span {start_byte}-{end_byte} does not match lines {start_line}-{end_line} "
                f"(bytes {expected[0]}-{expected[1]})")
    match = _HEX_ID.match(rid or "")
    if match:
        from corpuskit.records import content_id

        # the lines first: of a plain UTF-8 source they are the span's bytes, read once
        block = _joined(text.lines, start_line - 1, end_line).encode("utf-8", errors="surrogatepass")
        if match.group(1) != content_id(block) and match.group(1) != content_id(source.data[start_byte:end_byte]):
            return f"id {rid} is not the content hash of the cited span"
    return None


class _Normalizer:
    """The pipeline's text normalisation, to compare a title with its raw source."""

    def __init__(self, folder: VersionFolder):
        self.variants = folder.step("normalize_variants")

    def __call__(self, text: str) -> str:
        from corpuskit.steps.encoding import fix_text

        text = fix_text(text)[0]
        if self.variants is not None:
            text = self.variants.rewrite(text)[0]
        return " ".join(text.split()).casefold()


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def holds_title(title: str, span_text: str, normalize: _Normalizer) -> bool:
    """Whether the cited text holds the title: the title as published, spacing and case
    aside, is in the raw text; else (a title the pipeline edited) the title is in the text
    after the pipeline's normalisation (:class:`_Normalizer`: mojibake repair, variants).

    The first test settles nearly every record (~10x cheaper: no ftfy, no variants
    regex over the whole span) and gives the full test's verdict on real data. It accepts
    only a span whose raw text holds the published title word for word, and a published
    title is the normalisation of the raw one: when the raw lines hold it unchanged, the
    title needed no repair and the full test finds it too. The two could differ only
    where normalising the whole span rewrites text across the edge of that verbatim
    occurrence (a variant or a mojibake repair spanning the title and its neighbour),
    and there the span demonstrably holds the title. A title the pipeline changed (its
    published form is not in the raw lines) fails the first test and gets the full one,
    as before; a title absent from the span fails both. ``tests/test_check.py`` checks
    on varied titles and spans that the first test never accepts what the full one
    rejects.

    Before both, the title as it is (``title in span_text``, no copy of the span made):
    a substring of the span is one after :func:`_plain` too (splitting on whitespace and
    joining by single spaces keeps it a substring, and ``casefold`` maps each character
    on its own, without context), so this only settles cheaply what the first test
    would accept.
    """
    return (title in span_text or _plain(title) in _plain(span_text)
            or normalize(title) in normalize(span_text))


def _span_text(source: _Source, span: dict) -> str:
    text = source.text
    raw = _joined(text.lines, int(span["start_line"]) - 1, int(span["end_line"]))
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            return raw
        if isinstance(obj, dict):
            return "\n".join(str(v) for v in obj.values() if isinstance(v, str))
    return raw


class _Spans(RecordScan):
    """Each row's span (every config's) is valid and holds its title. Each process that
    scans reads the cited sources itself (a plain UTF-8 source as its line offsets)."""

    name, columns, configs, raw = "provenance.spans", ("id", "title", *_SPAN), None, True

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.folder = folder
        self.unverified = 0
        self._sources = self._normalize = None  # made where the rows are scanned

    def scan(self, rows, start, config):
        if self._sources is None:
            self._sources, self._normalize = _Sources.of(self.folder), _Normalizer(self.folder)
        checked, unverified, found = 0, 0, []
        self._read_ahead(rows)
        for row in rows:
            prov = row.get("provenance") or {}
            source = self._sources.get(str(prov.get("source_path")))
            if source.path is None or source.text is None or source.sha256 != prov.get("source_sha256"):
                unverified += 1  # reported by provenance.sources
                continue
            checked += 1
            problem = self._problem(source, row, prov)
            if problem:
                rid = str(row.get("id"))
                found.append((rid if config == "default" else f"{rid} ({config})", problem))
        return checked, unverified, found

    def _read_ahead(self, rows) -> None:
        """Read the bytes the rows' line spans cite in one go per streamed source (rows
        cite their source in order: a batch's spans are mostly one stretch of it), unless
        the stretch is much longer than what is cited (then each span is read alone)."""
        stretches: dict[int, list] = {}  # id(source) -> [source, first byte, end byte, bytes cited]
        for row in rows:
            prov = row.get("provenance") or {}
            source = self._sources.get(str(prov.get("source_path")))
            if not isinstance(source.text, _StreamedText):
                continue
            try:
                start, end = source.text.byte_span(int(prov["start_line"]) - 1, int(prov["end_line"]) - 1)
            except (KeyError, TypeError, ValueError, IndexError):
                continue  # a broken span: read alone if it is read at all
            stretch = stretches.setdefault(id(source), [source, start, end, 0])
            stretch[1], stretch[2], stretch[3] = min(stretch[1], start), max(stretch[2], end), stretch[3] + end - start
        for source, start, end, cited in stretches.values():
            if end - start <= 2 * cited + (1 << 20):
                source.data.read_ahead(start, end)

    def _problem(self, source: _Source, row: dict, prov: dict) -> str | None:
        problem = _span_problem(source, prov, str(row.get("id")))
        if problem:
            return problem
        title = row.get("title")
        if title and not holds_title(title, _span_text(source, prov), self._normalize):
            return (f"title {title[:50]!r} not in lines {prov['start_line']}-{prov['end_line']} "
                    f"of {prov['source_path']}")
        return None

    def add(self, part) -> None:
        checked, unverified, found = part
        self.result.checked += checked
        self.unverified += unverified
        for label, problem in found:
            self.result.fail(label, problem)

    def finish(self, folder: VersionFolder) -> CheckResult:
        result, unverified = self.result, self.unverified
        extra = f"; {unverified} not verifiable (see provenance.sources)" if unverified else ""
        result.summary = (f"{result.checked} spans valid and holding their titles{extra}" if not result.problems
                          else f"{len(result.problems)} broken span(s){extra}")
        return result


def check_spans(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Spans)


def check_merged(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _MergedCheck)


def merged_check(folder: VersionFolder) -> CheckResult:
    """The ``provenance.merged`` check (see the module's docstring)."""
    result = CheckResult("provenance.merged")
    sources = _Sources.of(folder)
    removed = {}  # id -> (duplicate_of, span) of each removed row
    has_removed = "removed" in folder.config_names()
    for batch in folder.batches("removed", ("id", "removed.duplicate_of", *_SPAN)) if has_removed else []:
        for row in batch:
            gone_prov = row.get("provenance") or {}
            removed[row.get("id")] = ((row.get("removed") or {}).get("duplicate_of"),
                                      tuple(gone_prov.get(k) for k in _SPAN_KEYS))
    for row in (row for batch in folder.batches("default", ("id", "provenance.merged")) for row in batch):
        for copy in (row.get("provenance") or {}).get("merged") or []:
            result.checked += 1
            cid = str(copy.get("id"))
            label = f"{cid} (merged into {row.get('id')})"
            source = sources.get(str(copy.get("source_path")))
            if source.path is not None and source.text is not None and source.sha256 == copy.get("source_sha256"):
                problem = _span_problem(source, copy, cid)
                if problem:
                    result.fail(label, problem)
                    continue
            if not has_removed:
                continue
            gone = removed.get(cid)
            if gone is None:
                result.fail(label, "not in the removed config")
                continue
            duplicate_of, span = gone
            if duplicate_of != row.get("id"):
                result.fail(label, f"removed config says duplicate of {duplicate_of!r}")
            elif span != tuple(copy.get(k) for k in _SPAN_KEYS):
                result.fail(label, "span differs from the removed config's copy")
    result.summary = (f"{result.checked} merged copies with valid spans" if not result.problems
                      else f"{len(result.problems)} bad merged cop(ies)")
    return result


class _SourcesCheck(WholeCheck):
    name, check = "provenance.sources", staticmethod(sources_check)


class _MergedCheck(WholeCheck):
    name, check = "provenance.merged", staticmethod(merged_check)


CHECKS = (check_sources, check_spans, check_merged)
#: The checks that run in the shared pass (see :mod:`~corpuskit._check.scan`).
SCANS = {"check_sources": _SourcesCheck, "check_spans": _Spans, "check_merged": _MergedCheck}
