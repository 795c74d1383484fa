"""Reading a source file: bytes, checksum, text decoding and line/byte offsets.

Decoding is explicit and never guesses silently:

* a UTF-8, UTF-16 or UTF-32 byte-order mark selects that codec;
* otherwise strict UTF-8 is tried first (the overwhelmingly common case);
* NUL bytes every other byte without a BOM mean UTF-16 (LE or BE); other NUL
  bytes mean a binary file, which is refused;
* a file that is not valid UTF-8 is decoded as cp1252 (or latin-1, when it has
  no byte in 0x80-0x9F) and the choice is logged: a legacy Western file, not
  mojibake. One that cp1252 would only turn into mojibake is refused.
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

    def numbered_lines(self):
        """(index, start byte, raw bytes in the file's encoding) of every line."""
        for index, (line, start) in enumerate(zip(self.lines, self.line_starts)):
            yield index, start, line.encode(self.encoding, errors="surrogatepass")

    def decode_line(self, raw: bytes, shown: str, index: int) -> str:
        """Decode one line of this file (it decoded as a whole, so this cannot fail)."""
        return raw.decode(self.encoding, errors="surrogatepass")

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


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_SAMPLE = 8192


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NUL bytes sit where UTF-16 puts them for
    mostly-Latin text (every other byte), else None."""
    sample = data[:_SAMPLE]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul >= 0.4 and even_nul <= 0.05:
        return "utf-16-le"
    if even_nul >= 0.4 and odd_nul <= 0.05:
        return "utf-16-be"
    return None


def _looks_non_western(data: bytes) -> bool:
    """True when a non-UTF-8 file is mostly letters above 0xC0: Cyrillic, Greek or
    another single-byte script that cp1252 would turn into mojibake."""
    ascii_letters = sum(data.count(bytes([b])) for b in range(0x41, 0x5B)) + sum(
        data.count(bytes([b])) for b in range(0x61, 0x7B))
    high = sum(data.count(bytes([b])) for b in range(0xC0, 0x100) if b not in (0xD7, 0xF7))
    return high > 0.3 * (ascii_letters + high)


def decode(data: bytes, path: str) -> tuple[str, str, int]:
    """Decode ``data``; return (text, encoding, bom_length) or raise InputError.

    In order: a byte-order mark (UTF-8/16/32) decides; NUL bytes in the UTF-16
    pattern (every other byte) mean BOM-less UTF-16, other NULs a binary file;
    strict UTF-8; then a legacy Western file: ``cp1252`` when it uses the
    0x80-0x9F punctuation range, ``latin-1`` when it does not (the two agree on
    every other byte). A file that would only decode as mojibake (bytes
    undefined in cp1252, or mostly letters of another single-byte script) is
    refused with a one-line message saying how to convert it.

    >>> decode("café".encode("cp1252"), "a.txt")[:2]
    ('café', 'latin-1')
    >>> decode("“café”".encode("cp1252"), "a.txt")[:2]
    ('“café”', 'cp1252')
    >>> decode("café".encode("utf-16-le"), "a.txt")[:2]
    ('café', 'utf-16-le')
    """
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
        encoding = _utf16_without_bom(data)
        if encoding is not None:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"looks like {encoding} without a byte-order mark but is not valid "
                    f"{encoding} (byte {exc.start}); convert it to UTF-8",
                    path,
                ) from None
            log.info("%s: no byte-order mark; decoded as %s (NUL byte pattern)", path, encoding)
            return text, encoding, 0
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "binary data (NUL byte); expected UTF-8 text. If this is UTF-16 or UTF-32, "
            "add a byte-order mark or convert it to UTF-8",
            path,
            line,
        )
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
    convert = "convert the file to UTF-8 (e.g. iconv -f <encoding> -t utf-8)"
    undefined = next((b for b in data if b in _CP1252_UNDEFINED), None)
    if undefined is not None:
        raise InputError(
            f"not valid UTF-8, and byte 0x{undefined:02x} is undefined in cp1252, so it is "
            f"not a Western legacy file either; {convert}",
            path,
            bad_line,
        )
    if _looks_non_western(data):
        raise InputError(
            "not valid UTF-8, and its bytes look like a non-Western single-byte encoding "
            f"(e.g. cp1251, cp1253) that cp1252 would turn into mojibake; {convert}",
            path,
            bad_line,
        )
    encoding = "cp1252" if any(0x80 <= b <= 0x9F for b in data) else "latin-1"
    text = data.decode(encoding)
    log.warning("%s: not valid UTF-8 (line %d); decoded as %s", path, bad_line, encoding)
    return text, encoding, 0


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
