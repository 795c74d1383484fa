"""Reading a source file: bytes, checksum, text decoding and line/byte offsets.

Which encoding a file is read in is decided by
:mod:`corpuskit.readers.decoding` (declared, byte-order mark, UTF-8, escape
sequences, or a confident and plausible detection; otherwise refused): it
never guesses silently.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from corpuskit.errors import InputError
from corpuskit.readers.decoding import Decoding, decode, undecodable

@dataclass
class SourceText:
    """A decoded source file with what is needed to cite spans of it."""

    path: str  # as cited in provenance (relative to the project root when possible)
    abspath: str
    sha256: str
    encoding: str
    bom: int  # bytes of byte-order mark
    lines: list[str]  # text split on "\n" (line ends removed; "\r" kept)
    line_starts: list[int] = field(default_factory=list)  # byte offset of each line
    chosen_by: str = "utf-8"  # how ``encoding`` was chosen (decoding.CHOSEN_BY)
    confidence: float | None = None  # the detector's, when ``chosen_by`` is "detected"

    def byte_span(self, first: int, last: int) -> tuple[int, int]:
        """Byte range [start, end) of lines ``first``..``last`` (0-based, inclusive)."""
        start = self.line_starts[first]
        end = self.line_starts[last] + self._byte_len(self.lines[last])
        return start, end

    def numbered_lines(self):
        """(index, start byte, raw bytes in the file's encoding) of every line."""
        for index, (line, start) in enumerate(zip(self.lines, self.line_starts)):
            yield index, start, line.encode(self.encoding, errors="surrogatepass")

    def decode_line(self, raw: bytes, shown: str, index: int) -> str:
        """Decode one line of this file. A file read whole decoded as a whole, so this
        cannot fail; a streamed one was decided on its first bytes, and a later line
        the codec cannot decode is a one-line error citing it."""
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            raise undecodable(Decoding(self.encoding, self.chosen_by), shown, index + 1) from None

    def _byte_len(self, line: str) -> int:
        return len(line.encode(self.encoding, errors="surrogatepass"))


def cite_path(path: str, root: str | None) -> str:
    """Path as recorded in provenance: relative to ``root`` when under it."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(root or os.getcwd())
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def read_error(exc: OSError, shown: str) -> InputError:
    """The one-line error for a file that cannot be opened or read."""
    if isinstance(exc, FileNotFoundError):
        return InputError("no such file; check the path", shown)
    if isinstance(exc, IsADirectoryError):
        return InputError("is a directory, expected a file", shown)
    if isinstance(exc, PermissionError):
        return InputError("permission denied; make the file readable", shown)
    return InputError(f"cannot read file ({exc.strerror})", shown)


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise read_error(exc, path) from None


def load_source(path: str, root: str | None = None, declared: str | None = None) -> SourceText:
    """Read, checksum and decode a text source (``declared``: its declared encoding)."""
    data = read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    shown = cite_path(path, root)
    if not data.strip():
        raise InputError("file is empty; remove it from the inputs or add articles", shown)
    text, decoding = decode(data, shown, declared)
    encoding, bom = decoding.encoding, decoding.bom
    lines = text.split("\n")
    starts: list[int] = []
    offset = bom
    if encoding == "utf-8" and bom == 0 and len(text) == len(data):
        # pure ASCII: byte offsets equal character offsets
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
    elif decoding.chosen_by == "escape sequences" and data.count(b"\n") == len(lines) - 1:
        # stateful codecs: re-encoding a line may place its escapes differently
        for raw in data.split(b"\n"):
            starts.append(offset)
            offset += len(raw) + 1
    else:
        newline = len("\n".encode(encoding))
        for line in lines:
            starts.append(offset)
            offset += len(line.encode(encoding, errors="surrogatepass")) + newline
    return SourceText(
        path=shown,
        abspath=os.path.abspath(path),
        sha256=digest,
        encoding=encoding,
        bom=bom,
        lines=lines,
        line_starts=starts,
        chosen_by=decoding.chosen_by,
        confidence=decoding.confidence,
    )
