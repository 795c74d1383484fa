"""Reading a source file: bytes, checksum, text decoding and line/byte offsets.

Decoding is explicit and never guesses silently:

* a UTF-8, UTF-16 or UTF-32 byte-order mark selects that codec;
* otherwise strict UTF-8 is tried first (the overwhelmingly common case);
* a file that is not valid UTF-8 is decoded as cp1252 when every byte is defined
  there, and the choice is logged (a legacy Western file, not mojibake);
* NUL bytes without a UTF-16/32 BOM mean a binary file, which is refused.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
from dataclasses import dataclass, field

from corpuskit.errors import InputError

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


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

    def byte_span(self, first: int, last: int) -> tuple[int, int]:
        """Byte range [start, end) of lines ``first``..``last`` (0-based, inclusive)."""
        start = self.line_starts[first]
        end = self.line_starts[last] + self._byte_len(self.lines[last])
        return start, end

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


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError("no such file; check the path", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path) from None
    except PermissionError:
        raise InputError("permission denied; make the file readable", path) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", path) from None


def decode(data: bytes, path: str) -> tuple[str, str, int]:
    """Decode ``data``; return (text, encoding, bom_length) or raise InputError."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding, len(bom)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {exc.start + len(bom)}); re-save it as UTF-8",
                    path,
                ) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "binary data (NUL byte); expected UTF-8 text. If this is UTF-16, "
            "add a byte-order mark or convert it to UTF-8",
            path,
            line,
        )
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(
            "not valid UTF-8 and not cp1252 either; convert the file to UTF-8 "
            "(e.g. iconv -f <encoding> -t utf-8)",
            path,
            bad_line,
        ) from None
    log.warning("%s: not valid UTF-8 (line %d); decoded as cp1252", path, bad_line)
    return text, "cp1252", 0


def load_source(path: str, root: str | None = None) -> SourceText:
    """Read, checksum and decode a text source."""
    data = read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    shown = cite_path(path, root)
    if not data.strip():
        raise InputError("file is empty; remove it from the inputs or add articles", shown)
    text, encoding, bom = decode(data, shown)
    lines = text.split("\n")
    starts: list[int] = []
    offset = bom
    if encoding == "utf-8" and bom == 0 and len(text) == len(data):
        # pure ASCII: byte offsets equal character offsets
        for line in lines:
            starts.append(offset)
            offset += len(line) + 1
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
    )
